package dev.tern.connectors;

/** The MQTT protocol version a connector's client speaks. */
public enum MqttVersion {
    /** MQTT 3.1.1: no user properties, expiry or receive maximum; manual acknowledgement still works. */
    MQTT_3_1_1,
    /** MQTT 5.0 (the default). */
    MQTT_5_0
}
