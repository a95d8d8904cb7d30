package dev.tern.gateway.config;

/**
 * The entrypoint-side quality of service of the reference (§1.9): NONE (0, 1 or many), AUTO (0 or
 * N, resuming where the endpoint can), AT_MOST_ONCE, AT_LEAST_ONCE.
 */
public enum DeliveryQos {
    NONE, AUTO, AT_MOST_ONCE, AT_LEAST_ONCE
}
