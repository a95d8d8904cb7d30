package dev.tern.broker.protocol;

import dev.tern.broker.MqttConfig;
import dev.tern.broker.routing.Topics;
import dev.tern.broker.session.Session;
import dev.tern.broker.session.SessionRegistry;
import io.netty.buffer.ByteBuf;

import java.util.UUID;

/**
 * CONNECT (section 3.1): validates what the decoder cannot (client identifier, will, capabilities
 * the server switched off), settles keep-alive and session expiry, attaches the session and
 * answers CONNACK with the server's limits and capabilities.
 */
public final class ConnectHandler {
    private static final long V5_NEVER = 0xFFFFFFFFL;

    void handle(MqttConnection c, ConnectPacket p) {
        MqttConfig config = c.config();
        MqttVersion v = p.version();
        boolean v5 = v.isV5();
        Properties props = p.properties();
        // known before any refusal, so a refusing CONNACK fits the client's Maximum Packet Size [MQTT-3.2.2-19]
        if (v5) {
            c.clientLimits(props.receiveMaximum() > 0 ? props.receiveMaximum() : 65535,
                props.maximumPacketSize() > 0 ? props.maximumPacketSize() : Long.MAX_VALUE,
                Math.max(props.topicAliasMaximum(), 0),
                props.requestProblemInformation() != 0);
        } else {
            c.clientLimits(config.maxInflightMessages(), Long.MAX_VALUE, 0, true);
        }

        String clientId = p.clientId();
        boolean assigned = false;
        if (clientId.isEmpty()) {
            if (v == MqttVersion.MQTT_3_1) {
                // MQTT 3.1: the client identifier is 1 to 23 characters
                refuse(c, v, ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, "MQTT 3.1 requires a client identifier");
                return;
            }
            if (!p.cleanStart() && !v5) {
                // 3.1.1 [MQTT-3.1.3-8]: an empty client id needs clean session 1. MQTT 5 dropped that
                // rule: the server assigns an id whatever Clean Start says [MQTT-3.1.3-6] [MQTT-3.1.3-7]
                refuse(c, v, ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, "an empty client identifier needs clean session = 1");
                return;
            }
            clientId = "tern-" + UUID.randomUUID();
            assigned = true; // [MQTT-3.1.3-6] [MQTT-3.2.2-16]
        } else if (v == MqttVersion.MQTT_3_1 && clientId.length() > 23) {
            // MQTT 3.1 (section 3.1, payload): more than 23 characters gets return code 2, identifier rejected
            refuse(c, v, ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, "MQTT 3.1 allows at most 23 characters in a client identifier");
            return;
        } else if (clientId.length() > config.maxClientIdLength()) {
            refuse(c, v, ReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
                "client identifier longer than maxClientIdLength " + config.maxClientIdLength());
            return;
        }

        ConnectPacket.Will will = p.will();
        if (will != null) {
            String problem = Topics.checkTopicName(will.topic(), config.maxTopicLength());
            if (problem != null) {
                refuse(c, v, ReasonCode.TOPIC_NAME_INVALID, "will " + problem);
                return;
            }
            if (will.qos() > config.maximumQoS()) {
                // [MQTT-3.2.2-12]
                refuse(c, v, ReasonCode.QOS_NOT_SUPPORTED, "will QoS " + will.qos() + " above maximumQoS " + config.maximumQoS());
                return;
            }
            if (will.retain() && !config.retainAvailable()) {
                // [MQTT-3.2.2-13]
                refuse(c, v, ReasonCode.RETAIN_NOT_SUPPORTED, "retained will but retained messages are disabled");
                return;
            }
            if (will.properties().payloadFormatIndicator() == 1 && !Utf8.isWellFormedPayload(will.payload())) {
                refuse(c, v, ReasonCode.PAYLOAD_FORMAT_INVALID, "will payload is not UTF-8 but its format indicator says so");
                return;
            }
        }

        if (v5 && props.authenticationMethod() == null && props.authenticationData() != null) {
            // section 3.1.2.11.10: Authentication Data without an Authentication Method is a Protocol Error
            refuse(c, v, ReasonCode.PROTOCOL_ERROR, "Authentication Data without an Authentication Method");
            return;
        }
        if (v5 && props.authenticationMethod() != null) {
            // No challenge/response mechanism yet: as in the reference, CONNACK 0x8C and close.
            refuse(c, v, ReasonCode.BAD_AUTHENTICATION_METHOD,
                "authentication method '" + props.authenticationMethod() + "' is not supported");
            return;
        }

        long expiry = sessionExpiry(p, config);
        int keepAlive = p.keepAlive();
        int serverKeepAlive = config.serverKeepAlive();
        int effectiveKeepAlive = keepAlive;
        boolean sendServerKeepAlive = false;
        if (v5) {
            // The reference's rule: -1 honours the client; otherwise the server value applies when the
            // client asks for more, or for 0 (no keep-alive), and is then sent as Server Keep Alive.
            if (serverKeepAlive != -1 && (keepAlive == 0 || keepAlive > serverKeepAlive)) {
                effectiveKeepAlive = serverKeepAlive;
                sendServerKeepAlive = true;
            }
        } else if (serverKeepAlive == 0) {
            // MQTT 3.x clients cannot be told another value; enforcing a shorter one would disconnect a
            // client that keeps [MQTT-3.1.2-23]. Only "disabled" applies to them (see docs/configuration.md).
            effectiveKeepAlive = 0;
        }

        c.beginConnect(v, clientId, will, expiry);

        final String id = clientId;
        final boolean wasAssigned = assigned;
        final int ka = effectiveKeepAlive;
        final boolean sendKa = sendServerKeepAlive;
        c.services().sessions().connect(new SessionRegistry.ConnectRequest(clientId, p.cleanStart(), v, expiry,
            will, c.eventLoop(), c, new SessionRegistry.ConnectCallback() {
                @Override
                public void accepted(Session session, boolean sessionPresent, long mark) {
                    if (c.isClosing()) {
                        // the client went away while its session was being prepared
                        c.services().sessions().disconnected(session, c, c.takeWill());
                        return;
                    }
                    c.services().store().afterDurable(mark, ok -> {
                        if (c.isClosing()) {
                            c.services().sessions().disconnected(session, c, c.takeWill());
                            return;
                        }
                        if (!ok) {
                            c.services().sessions().disconnected(session, c, null);
                            refuse(c, v, ReasonCode.QUOTA_EXCEEDED, "the store cannot write (disk full?)");
                            return;
                        }
                        c.connected(session, ka);
                        Properties ack = v5 ? connackProperties(config, wasAssigned ? id : null, sendKa ? ka : -1)
                            : Properties.EMPTY;
                        // [MQTT-3.2.2-1] [MQTT-3.2.2-2] session present is 0 after a clean start; MQTT 3.1
                        // has no session present flag (the byte is reserved, 0)
                        boolean present = sessionPresent && !p.cleanStart() && v != MqttVersion.MQTT_3_1;
                        ByteBuf connack = PacketEncoder.connack(c.alloc(), v, present, 0, ack);
                        if (connack.readableBytes() > c.clientMaximumPacketSize()) {
                            // [MQTT-3.1.2-24] leave out what a client assumes when it is absent, to fit
                            connack.release();
                            connack = PacketEncoder.connack(c.alloc(), v, present, 0, withoutDefaults(ack));
                        }
                        c.write(connack);
                        session.resume();
                        c.processPending();
                    });
                }

                @Override
                public void refused(ReasonCode reason, String why) {
                    refuse(c, v, reason, why);
                }
            }));
    }

    private static long sessionExpiry(ConnectPacket p, MqttConfig config) {
        if (p.version().isV5()) {
            long e = p.properties().sessionExpiryInterval();
            if (e < 0) {
                return 0; // absent means 0 (section 3.1.2.11.2)
            }
            return e == V5_NEVER ? Session.NEVER : e;
        }
        if (p.cleanStart()) {
            return 0; // [MQTT-3.1.2-6] clean session ends with the connection
        }
        long d = config.defaultMqttSessionExpiryInterval();
        return d < 0 || d == V5_NEVER ? Session.NEVER : d;
    }

    private static Properties connackProperties(MqttConfig config, String assignedId, int serverKeepAlive) {
        Properties p = new Properties();
        if (config.receiveMaximum() != -1 && config.receiveMaximum() != 65535) {
            // Absent means 65535 (section 3.2.2.3.3). Sending 65535 breaks Eclipse Paho Java v5 (1.2.5),
            // which reads the two-byte value as signed (-1) and then refuses every PUBLISH.
            p.receiveMaximum(config.receiveMaximum());
        }
        if (config.maximumQoS() < 2) {
            p.maximumQoS(config.maximumQoS()); // only 0 or 1 may be sent [MQTT-3.2.2-9]
        }
        p.retainAvailable(config.retainAvailable() ? 1 : 0);
        if (config.maximumPacketSize() != -1) {
            p.maximumPacketSize(config.maximumPacketSize());
        }
        if (assignedId != null) {
            p.assignedClientIdentifier(assignedId);
        }
        if (config.topicAliasMaximum() != -1) {
            p.topicAliasMaximum(config.topicAliasMaximum());
        }
        p.wildcardSubscriptionAvailable(config.wildcardSubscriptionAvailable() ? 1 : 0);
        p.subscriptionIdentifierAvailable(config.subscriptionIdentifierAvailable() ? 1 : 0);
        p.sharedSubscriptionAvailable(config.sharedSubscriptionAvailable() ? 1 : 0);
        if (serverKeepAlive >= 0) {
            p.serverKeepAlive(serverKeepAlive); // [MQTT-3.2.2-21]
        }
        return p.freeze();
    }

    /** CONNACK properties without those whose absence means the same (section 3.2.2.3). */
    private static Properties withoutDefaults(Properties full) {
        Properties p = full.copy();
        if (p.receiveMaximum() == 65535) {
            p.receiveMaximum(-1);
        }
        if (p.retainAvailable() == 1) {
            p.retainAvailable(-1);
        }
        if (p.wildcardSubscriptionAvailable() == 1) {
            p.wildcardSubscriptionAvailable(-1);
        }
        if (p.subscriptionIdentifierAvailable() == 1) {
            p.subscriptionIdentifierAvailable(-1);
        }
        if (p.sharedSubscriptionAvailable() == 1) {
            p.sharedSubscriptionAvailable(-1);
        }
        return p.freeze();
    }

    private static void refuse(MqttConnection c, MqttVersion v, ReasonCode reason, String why) {
        Disconnector.refuseConnect(c, v, reason, why);
    }
}
