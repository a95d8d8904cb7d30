package dev.tern.broker.clients;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** {@link TestClient} on Eclipse Paho's MQTT 3 client, speaking 3.1 or 3.1.1. */
final class Paho3TestClient implements TestClient {
    private final String id;
    private final boolean v31;
    private final MqttClient client;
    private final List<Msg> received = new CopyOnWriteArrayList<>();

    Paho3TestClient(String id, int port, boolean v31, boolean webSocket) {
        this.id = id;
        this.v31 = v31;
        String uri = webSocket ? "ws://127.0.0.1:" + port + "/mqtt" : "tcp://127.0.0.1:" + port;
        try {
            this.client = new MqttClient(uri, id, new MemoryPersistence());
        } catch (MqttException e) {
            throw new IllegalStateException(e);
        }
        client.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage m) {
                received.add(new Msg(topic, new String(m.getPayload(), StandardCharsets.UTF_8), m.getQos(), m.isRetained()));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
    }

    @Override
    public Kind kind() {
        return v31 ? Kind.PAHO_V31 : Kind.PAHO_V311;
    }

    @Override
    public String clientId() {
        return id;
    }

    @Override
    public boolean connect(boolean persistent, Will will) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(v31 ? MqttConnectOptions.MQTT_VERSION_3_1 : MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setCleanSession(!persistent);
        o.setAutomaticReconnect(false);
        o.setMaxInflight(1000);
        if (will != null) {
            o.setWill(will.topic(), will.payload().getBytes(StandardCharsets.UTF_8), will.qos(), will.retain());
        }
        try {
            IMqttToken t = client.connectWithResult(o);
            return t.getSessionPresent();
        } catch (MqttException e) {
            throw new IllegalStateException(id + " could not connect", e);
        }
    }

    @Override
    public int subscribe(String filter, int qos) {
        try {
            IMqttToken t = client.subscribeWithResponse(filter, qos);
            return t.getGrantedQos()[0];
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
}
