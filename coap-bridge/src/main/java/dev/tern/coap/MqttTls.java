package dev.tern.coap;

import java.nio.file.Path;

/**
 * TLS for the bridge's MQTT connection ({@code mqtt.tls}). The stores are PKCS#12 or JKS files (the
 * type is detected). Without a trust store the JVM's default one (its {@code cacerts}) decides which
 * broker certificates are trusted; without a key store the bridge sends no client certificate.
 * Passwords may be {@code null}.
 *
 * @param hostnameVerification check that the broker's certificate names the host the bridge connects to
 */
public record MqttTls(Path trustStore, String trustStorePassword, Path keyStore, String keyStorePassword,
                      boolean hostnameVerification) {
    /** The JVM's trust store, no client certificate, host name verified. */
    public static final MqttTls DEFAULTS = new MqttTls(null, null, null, null, true);

    @Override
    public String toString() {
        // never the passwords
        return "MqttTls[" + (trustStore != null ? "trustStore=" + trustStore : "JVM trust store")
            + (keyStore != null ? ", keyStore=" + keyStore : "")
            + (hostnameVerification ? "" : ", no hostname verification") + "]";
    }
}
