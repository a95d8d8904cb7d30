package dev.tern.testkit;

import java.nio.charset.StandardCharsets;

import static dev.tern.testkit.Wire.concat;
import static dev.tern.testkit.Wire.packet;
import static dev.tern.testkit.Wire.u16;
import static dev.tern.testkit.Wire.u8;
import static dev.tern.testkit.Wire.utf8;

/** Client packets as exact bytes, for raw conformance tests. */
public final class Packets {
    public static final int V31 = 3;
    public static final int V311 = 4;
    public static final int V5 = 5;

    private Packets() {
    }

    public static Connect connect(int version, String clientId) {
        return new Connect(version, clientId);
    }

    /** CONNECT builder; defaults: clean start, keep-alive 60, no will, no credentials, no properties. */
    public static final class Connect {
        private final int version;
        private final String clientId;
        private boolean cleanStart = true;
        private int keepAlive = 60;
        private byte[] props = Props.none();
        private String willTopic;
        private byte[] willPayload;
        private int willQos;
        private boolean willRetain;
        private byte[] willProps = Props.none();
        private String username;
        private byte[] password;
        private Integer flagsOverride;

        Connect(int version, String clientId) {
            this.version = version;
            this.clientId = clientId;
        }

        public int version() { return version; }
        public Connect cleanStart(boolean v) { cleanStart = v; return this; }
        public Connect keepAlive(int v) { keepAlive = v; return this; }
        public Connect props(byte[] v) { props = v; return this; }
        public Connect username(String v) { username = v; return this; }
        public Connect password(byte[] v) { password = v; return this; }
        /** Replaces the computed connect flags byte (for malformed-flag tests). */
        public Connect flags(int v) { flagsOverride = v; return this; }

        public Connect will(String topic, String payload, int qos, boolean retain) {
            return will(topic, payload.getBytes(StandardCharsets.UTF_8), qos, retain, Props.none());
        }

        public Connect will(String topic, byte[] payload, int qos, boolean retain, byte[] willProperties) {
            willTopic = topic;
            willPayload = payload;
            willQos = qos;
            willRetain = retain;
            willProps = willProperties;
            return this;
        }

        public byte[] build() {
            boolean v5 = version == V5;
            int flags = (cleanStart ? 0x02 : 0) | (willTopic != null ? 0x04 | (willQos << 3) | (willRetain ? 0x20 : 0) : 0)
                | (password != null ? 0x40 : 0) | (username != null ? 0x80 : 0);
            if (flagsOverride != null) {
                flags = flagsOverride;
            }
            byte[] name = utf8(version == V31 ? "MQIsdp" : "MQTT");
            byte[] variable = concat(name, u8(version), u8(flags), u16(keepAlive), v5 ? props : new byte[0]);
            byte[] payload = utf8(clientId);
            if (willTopic != null) {
                payload = concat(payload, v5 ? willProps : new byte[0], utf8(willTopic), Wire.binary(willPayload));
            }
            if (username != null) {
                payload = concat(payload, utf8(username));
            }
            if (password != null) {
                payload = concat(payload, Wire.binary(password));
            }
            return packet(0x10, variable, payload);
        }
    }

    public static byte[] publish(int version, String topic, int qos, int packetId, String payload) {
        return publish(version, topic, qos, false, false, packetId, Props.none(), payload.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] publish(int version, String topic, int qos, boolean retain, boolean dup, int packetId,
                                 byte[] props, byte[] payload) {
        int first = 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0);
        return packet(first, utf8(topic), qos > 0 ? u16(packetId) : new byte[0], version == V5 ? props : new byte[0], payload);
    }

    /** One SUBSCRIBE entry: a filter and its options byte (QoS in bits 0-1, v5 options above). */
    public record Sub(String filter, int options) {
    }

    public static Sub sub(String filter, int qos) {
        return new Sub(filter, qos);
    }

    /** v5 options: QoS, No Local, Retain As Published, Retain Handling. */
    public static Sub sub(String filter, int qos, boolean noLocal, boolean rap, int retainHandling) {
        return new Sub(filter, qos | (noLocal ? 0x04 : 0) | (rap ? 0x08 : 0) | (retainHandling << 4));
    }

    public static byte[] subscribe(int version, int packetId, byte[] props, Sub... subs) {
        byte[] body = concat(u16(packetId), version == V5 ? props : new byte[0]);
        for (Sub s : subs) {
            body = concat(body, utf8(s.filter()), u8(s.options()));
        }
        return packet(0x82, body);
    }

    public static byte[] subscribe(int version, int packetId, String filter, int qos) {
        return subscribe(version, packetId, Props.none(), sub(filter, qos));
    }

    public static byte[] unsubscribe(int version, int packetId, String... filters) {
        byte[] body = concat(u16(packetId), version == V5 ? Props.none() : new byte[0]);
        for (String f : filters) {
            body = concat(body, utf8(f));
        }
        return packet(0xA2, body);
    }

    public static byte[] puback(int packetId) {
        return packet(0x40, u16(packetId));
    }

    public static byte[] pubrec(int packetId) {
        return packet(0x50, u16(packetId));
    }

    public static byte[] pubrel(int packetId) {
        return packet(0x62, u16(packetId));
    }

    public static byte[] pubcomp(int packetId) {
        return packet(0x70, u16(packetId));
    }

    public static byte[] pingreq() {
        return new byte[]{(byte) 0xC0, 0x00};
    }

    public static byte[] disconnect() {
        return new byte[]{(byte) 0xE0, 0x00};
    }

    /** MQTT 5 DISCONNECT with a reason code and properties. */
    public static byte[] disconnect(int reasonCode, byte[] props) {
        return packet(0xE0, u8(reasonCode), props);
    }
}
