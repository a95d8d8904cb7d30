package dev.tern.coap;

/** A configuration or registry file the bridge cannot use; the message names the key, the value and what is allowed. */
public final class CoapBridgeConfigException extends Exception {
    public CoapBridgeConfigException(String message) {
        super(message);
    }
}
