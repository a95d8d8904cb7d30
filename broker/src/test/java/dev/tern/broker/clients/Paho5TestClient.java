package dev.tern.broker.clients;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** {@link TestClient} on Eclipse Paho's MQTT 5 client. */
final class Paho5TestClient implements TestClient {
    private final String id;
    private final ExposedClient client;
    private final List<Msg> received = new CopyOnWriteArrayList<>();
    private final List<MqttMessage> raw = new CopyOnWriteArrayList<>();

    Paho5TestClient(String id, int port, boolean webSocket) {
        this.id = id;
        String uri = webSocket ? "ws://127.0.0.1:" + port + "/mqtt" : "tcp://127.0.0.1:" + port;
        try {
            this.client = new ExposedClient(uri, id);
        } catch (MqttException e) {
            throw new IllegalStateException(e);
        }
        client.setCallback(new MqttCallback() {
            @Override
            public void disconnected(MqttDisconnectResponse response) {
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage m) {
                raw.add(m);
                received.add(new Msg(topic, new String(m.getPayload(), StandardCharsets.UTF_8), m.getQos(), m.isRetained()));
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
            }
        });
    }

    @Override
    public Kind kind() {
        return Kind.PAHO_V5;
    }

    @Override
    public String clientId() {
        return id;
    }

    @Override
    public boolean connect(boolean persistent, Will will) {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(!persistent);
        o.setSessionExpiryInterval(persistent ? PERSISTENT_EXPIRY : 0L);
        o.setAutomaticReconnect(false);
        if (will != null) {
            o.setWill(will.topic(), new MqttMessage(will.payload().getBytes(StandardCharsets.UTF_8), will.qos(),
                will.retain(), new MqttProperties()));
        }
        try {
            return client.connectWithResult(o).getSessionPresent();
        } catch (MqttException e) {
            throw new IllegalStateException(id + " could not connect", e);
        }
    }

    @Override
    public int subscribe(String filter, int qos) {
        try {
            IMqttToken t = client.subscribe(new MqttSubscription[]{new MqttSubscription(filter, qos)});
            return t.getReasonCodes()[0];
        } catch (MqttException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void unsubscribe(String filter) {
        try {
            client.unsubscribe(filter);
        } catch (MqttException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void publish(String topic, String payload, int qos, boolean retain) {
        try {
            client.publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, retain);
        } catch (MqttException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public List<Msg> received() {
        return List.copyOf(received);
    }

    /** The received messages as Paho gave them, with their MQTT 5 properties. */
    List<MqttMessage> rawReceived() {
        return List.copyOf(raw);
    }

    @Override
    public void disconnect() {
        try {
            client.disconnect();
        } catch (MqttException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean isConnected() {
        return client.isConnected();
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect();
            }
        } catch (MqttException ignored) {
            // closing anyway
        }
        try {
            client.close(true);
        } catch (MqttException ignored) {
            // closing anyway
        }
    }

    MqttClient client() {
        return client;
    }

    /** The asynchronous client under the blocking one, for calls only it offers (SUBSCRIBE properties). */
    MqttAsyncClient asyncClient() {
        return client.async();
    }

    private static final class ExposedClient extends MqttClient {
        ExposedClient(String uri, String id) throws MqttException {
            super(uri, id, new MemoryPersistence());
        }

        MqttAsyncClient async() {
            return aClient;
        }
    }
}
