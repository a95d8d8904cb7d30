package dev.tern.coap;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserPropertiesBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Publishes with the HiveMQ MQTT 5 client, to Tern or to any MQTT 5 broker, over TCP or TLS
 * ({@link MqttTarget#tls()}). It reconnects by
 * itself (1 s doubling to 30 s) and keeps its session (clean start false, session expiry from
 * {@link MqttTarget}), so QoS 1/2 messages in flight when a connection drops are sent again on the
 * next one; publishes made while disconnected wait in the client until it is connected. Before its
 * first connection the HiveMQ client (1.3.17) refuses publishes while connecting and never completes
 * those made while it retries a broker it has never reached, so until then they wait here, in order
 * (the bridge's bound on pending PUBLISHes bounds this queue too).
 */
public final class HiveMqPublisher implements MqttPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(HiveMqPublisher.class);

    private final MqttTarget target;
    private final Object lock = new Object();
    /** Publishes made before the first CONNACK, in order; guarded by {@link #lock}. */
    private final ArrayDeque<Runnable> beforeFirstConnect = new ArrayDeque<>();
    private boolean connectedOnce;
    private boolean closed;
    private volatile Mqtt5AsyncClient client;

    private HiveMqPublisher(MqttTarget target) {
        this.target = target;
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    private void onConnected() {
        synchronized (lock) {
            if (closed) {
                // close() came while a (re)connect was under way: the client answered its DISCONNECT
                // with "not connected" and went on with the attempt; leave no connection behind
                client.disconnect();
                return;
            }
        }
        LOG.info("coap-bridge: connected to MQTT broker {}:{} as {}", target.serverHost(), target.serverPort(), target.clientId());
        // off the client's event loop: its listeners must not do work
        CompletableFuture.runAsync(this::drain).exceptionally(e -> {
            LOG.error("coap-bridge: cannot send the messages held until the first connection", e);
            return null;
        });
    }

    private void drain() {
        synchronized (lock) {
            if (connectedOnce) {
                return;
            }
            Runnable r;
            LOG.debug("draining {} publishes held until the first connection, client state {}", beforeFirstConnect.size(), client.getState());
            while ((r = beforeFirstConnect.poll()) != null) {
                r.run();
            }
            connectedOnce = true;
        }
    }

    /**
     * Starts connecting and returns at once.
     * Publishes made until the first CONNACK (and during any later outage) are held.
     */
    public static HiveMqPublisher start(MqttTarget target) {
        HiveMqPublisher p = new HiveMqPublisher(target);
        Mqtt5ClientBuilder b = MqttClient.builder().useMqttVersion5()
            .identifier(target.clientId())
            .serverHost(target.serverHost())
            .serverPort(target.serverPort())
            .automaticReconnect().initialDelay(1, TimeUnit.SECONDS).maxDelay(30, TimeUnit.SECONDS).applyAutomaticReconnect()
            .addConnectedListener(c -> p.onConnected())
            .addDisconnectedListener(c -> {
                if (p.isClosed()) {
                    // a connect attempt that failed after close(): stop the automatic reconnect
                    c.getReconnector().reconnect(false);
                    return;
                }
                if (c.getSource() != com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource.USER) {
                    LOG.warn("coap-bridge: MQTT connection to {}:{} lost or refused ({}); reconnecting",
                        target.serverHost(), target.serverPort(), c.getCause().getMessage());
                }
            });
        if (target.tls() != null) {
            b = b.sslConfig(sslConfig(target.tls()));
        }
        if (target.username() != null) {
            var auth = b.simpleAuth().username(target.username());
            if (target.password() != null) {
                auth = auth.password(target.password().getBytes(StandardCharsets.UTF_8));
            }
            b = auth.applySimpleAuth();
        }
        Mqtt5AsyncClient client = b.buildAsync();
        p.client = client;
        client.connectWith()
            .cleanStart(false)
            .sessionExpiryInterval(target.sessionExpiryInterval())
            .keepAlive(target.keepAlive())
            .send(); // a failure is logged by the disconnected listener, and retried
        return p;
    }

    /** Loads the stores now, so that a wrong path or password stops the start instead of every connect. */
    private static MqttClientSslConfig sslConfig(MqttTls tls) {
        MqttClientSslConfigBuilder ssl = MqttClientSslConfig.builder();
        if (tls.trustStore() != null) {
            KeyStore ks = load(tls.trustStore(), tls.trustStorePassword(), "mqtt.tls.trustStore");
            try {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                ssl = ssl.trustManagerFactory(tmf);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot use mqtt.tls.trustStore " + tls.trustStore() + ": " + e.getMessage(), e);
            }
        }
        if (tls.keyStore() != null) {
            KeyStore ks = load(tls.keyStore(), tls.keyStorePassword(), "mqtt.tls.keyStore");
            try {
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, chars(tls.keyStorePassword()));
                ssl = ssl.keyManagerFactory(kmf);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot use mqtt.tls.keyStore " + tls.keyStore() + ": " + e.getMessage(), e);
            }
        }
        if (!tls.hostnameVerification()) {
            ssl = ssl.hostnameVerifier((host, session) -> true);
        }
        return ssl.build();
    }

    private static KeyStore load(Path file, String password, String key) {
        try {
            return KeyStore.getInstance(file.toFile(), chars(password)); // PKCS#12 or JKS, detected
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read " + key + " " + file + ": " + e.getMessage(), e);
        }
    }

    private static char[] chars(String password) {
        return password == null ? new char[0] : password.toCharArray();
    }

    @Override
    public CompletableFuture<Void> publish(OutgoingMessage m) {
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("publisher closed"));
            }
            if (!connectedOnce) {
                CompletableFuture<Void> later = new CompletableFuture<>();
                beforeFirstConnect.add(() -> send(m).whenComplete((ok, e) -> {
                    if (e != null) {
                        later.completeExceptionally(e);
                    } else {
                        later.complete(null);
                    }
                }));
                return later;
            }
        }
        return send(m);
    }

    private CompletableFuture<Void> send(OutgoingMessage m) {
        Mqtt5PublishBuilder.Send.Complete<CompletableFuture<Mqtt5PublishResult>> p = client.publishWith()
            .topic(m.topic())
            .qos(MqttQos.fromCode(m.qos().level()))
            .payload(m.payload());
        if (m.contentType() != null) {
            p = p.contentType(m.contentType());
        }
        if (!m.userProperties().isEmpty()) {
            Mqtt5UserPropertiesBuilder.Nested<? extends Mqtt5PublishBuilder.Send.Complete<CompletableFuture<Mqtt5PublishResult>>> u =
                p.userProperties();
            for (Map.Entry<String, String> e : m.userProperties().entrySet()) {
                u = u.add(e.getKey(), e.getValue());
            }
            p = u.applyUserProperties();
        }
        return p.send().thenApply(result -> {
            if (result.getError().isPresent()) {
                Throwable t = result.getError().get();
                throw new PublishRefusedException(m.topic() + ": " + t.getMessage(), t);
            }
            return null;
        });
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (!beforeFirstConnect.isEmpty()) {
                LOG.warn("coap-bridge: closing before the broker was ever reached: {} messages not published", beforeFirstConnect.size());
                beforeFirstConnect.clear();
            }
        }
        try {
            client.disconnect().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("coap-bridge: disconnect from {} did not complete: {}", target, e.toString());
        }
    }

    /** The broker refused a PUBLISH (error reason code) or it could not be sent. */
    public static final class PublishRefusedException extends RuntimeException {
        PublishRefusedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
