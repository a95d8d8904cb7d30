package dev.tern.gateway.config;

/** MQTT QoS of the gateway's own PUBLISH and SUBSCRIBE packets ({@code producer.qos}, {@code consumer.qos}). */
public enum Qos {
    AT_MOST_ONCE(0), AT_LEAST_ONCE(1), EXACTLY_ONCE(2);

    private final int code;

    Qos(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
