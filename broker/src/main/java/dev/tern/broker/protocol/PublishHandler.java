package dev.tern.broker.protocol;

import dev.tern.broker.MqttConfig;
import dev.tern.broker.routing.Message;
import dev.tern.broker.routing.Topics;
import dev.tern.broker.session.Session;
import io.netty.buffer.ByteBuf;

/**
 * Inbound PUBLISH (section 3.3): resolves topic aliases, checks the topic, QoS, retain and payload
 * format against what the server allows, runs the QoS 1 / QoS 2 receiver side (section 4.3) and
 * hands the message to the router.
 */
public final class PublishHandler {

    void handle(MqttConnection c, PublishPacket p) {
        try {
            handleOwned(c, p);
        } finally {
            p.payload().release();
        }
    }

    private void handleOwned(MqttConnection c, PublishPacket p) {
        MqttConfig config = c.config();
        boolean v5 = c.version().isV5();
        c.metrics().messagesReceived.increment();

        String topic = p.topic();
        int alias = p.properties().topicAlias();
        if (alias != -1) {
            if (alias == 0 || alias > config.effectiveTopicAliasMaximum()) {
                // [MQTT-3.3.2-8] [MQTT-3.3.2-9] alias 0 or above our Topic Alias Maximum
                Disconnector.disconnect(c, ReasonCode.TOPIC_ALIAS_INVALID, "topic alias " + alias
                    + " outside 1.." + config.effectiveTopicAliasMaximum());
                return;
            }
            if (!topic.isEmpty()) {
                String problem = Topics.checkTopicName(topic, config.maxTopicLength());
                if (problem != null) {
                    Disconnector.disconnect(c, ReasonCode.TOPIC_NAME_INVALID, problem);
                    return;
                }
            }
            topic = c.resolveInboundAlias(alias, topic);
            if (topic == null) {
                Disconnector.disconnect(c, ReasonCode.PROTOCOL_ERROR, "topic alias " + alias + " was never set");
                return;
            }
        } else if (!c.topics().isValidated(topic)) {
            String problem = Topics.checkTopicName(topic, config.maxTopicLength());
            if (problem == null) {
                c.topics().markValidated(topic);
            } else {
                Disconnector.disconnect(c, topic.isEmpty() && v5 ? ReasonCode.PROTOCOL_ERROR : ReasonCode.TOPIC_NAME_INVALID,
                    problem);
                return;
            }
        }
        String responseTopic = p.properties().responseTopic();
        if (responseTopic != null) {
            String problem = Topics.checkTopicName(responseTopic, config.maxTopicLength());
            if (problem != null) {
                // [MQTT-3.3.2-14] the Response Topic is a topic name: no wildcards, not empty
                Disconnector.disconnect(c, ReasonCode.PROTOCOL_ERROR, "response " + problem);
                return;
            }
        }
        if (p.qos() > config.maximumQoS()) {
            // [MQTT-3.2.2-11]
            Disconnector.disconnect(c, ReasonCode.QOS_NOT_SUPPORTED, "QoS " + p.qos() + " above maximumQoS " + config.maximumQoS());
            return;
        }
        if (p.retain() && !config.retainAvailable()) {
            // [MQTT-3.2.2-14]
            Disconnector.disconnect(c, ReasonCode.RETAIN_NOT_SUPPORTED, "retained messages are disabled");
            return;
        }
        ByteBuf payload = p.payload();
        if (p.properties().payloadFormatIndicator() == 1
            && !Utf8.isWellFormedPayload(payload, payload.readerIndex(), payload.readableBytes())) {
            // section 3.3.2.3.2: the receiver may check; Tern does and says so
            if (p.qos() == 0) {
                Disconnector.disconnect(c, ReasonCode.PAYLOAD_FORMAT_INVALID, "payload is not UTF-8 but its format indicator says so");
            } else {
                ack(c, p, ReasonCode.PAYLOAD_FORMAT_INVALID.code());
            }
            return;
        }

        Session session = c.session();
        long mark = c.services().store().mark();
        switch (p.qos()) {
            case 0 -> route(c, p, topic);
            case 1 -> {
                int matched = route(c, p, topic);
                ackWhenDurable(c, p, mark, matched == 0 && v5 ? ReasonCode.NO_MATCHING_SUBSCRIBERS.code() : 0);
            }
            default -> {
                if (session.hasInboundQos2(p.packetId())) {
                    // a resend before PUBREL: acknowledge again, deliver nothing twice (section 4.3.3)
                    ackWhenDurable(c, p, mark, 0);
                    return;
                }
                if (!c.services().store().acceptsAdditions()) {
                    // disk low on space: refused before routing, so no subscriber gets a message whose
                    // publisher is told to try again (a QoS 2 duplicate)
                    int packetId = p.packetId();
                    c.services().store().afterDurable(ok -> { // in order with the acknowledgements before it
                        if (!c.isClosing()) {
                            refuse(c, 2, packetId);
                        }
                    });
                    return;
                }
                if (v5 && session.inboundQos2Count() >= config.effectiveReceiveMaximum()) {
                    // [MQTT-3.3.4-9] more unacknowledged QoS 2 PUBLISHes than our Receive Maximum
                    Disconnector.disconnect(c, ReasonCode.RECEIVE_MAXIMUM_EXCEEDED,
                        "more than " + config.effectiveReceiveMaximum() + " QoS 2 messages awaiting PUBREL");
                    return;
                }
                int matched = route(c, p, topic);
                session.markInboundQos2(p.packetId());
                ackWhenDurable(c, p, mark, matched == 0 && v5 ? ReasonCode.NO_MATCHING_SUBSCRIBERS.code() : 0);
            }
        }
    }

    /**
     * Acknowledges once what the PUBLISH changed is durable (rule 5: nothing acknowledged is lost).
     * When the store cannot write, or refused something the PUBLISH needed (staged after
     * {@code mark}), MQTT 5 gets reason 0x97 and MQTT 3.x, which has no negative acknowledgement, is
     * disconnected so it resends later.
     */
    private static void ackWhenDurable(MqttConnection c, PublishPacket p, long mark, int reasonCode) {
        int packetId = p.packetId();
        int qos = p.qos();
        c.services().store().afterDurable(mark, ok -> {
            if (c.isClosing()) {
                return;
            }
            if (ok) {
                ack(c, qos, packetId, reasonCode);
                return;
            }
            if (qos == 2) {
                c.session().releaseInboundQos2(packetId);
            }
            refuse(c, qos, packetId);
        });
    }

    private static void refuse(MqttConnection c, int qos, int packetId) {
        if (c.version().isV5()) {
            ack(c, qos, packetId, ReasonCode.QUOTA_EXCEEDED.code());
        } else {
            Disconnector.disconnect(c, ReasonCode.QUOTA_EXCEEDED, "the store cannot write (disk full?)");
        }
    }

    private static int route(MqttConnection c, PublishPacket p, String topic) {
        ByteBuf src = p.payload();
        ByteBuf copy = c.alloc().directBuffer(src.readableBytes());
        copy.writeBytes(src, src.readerIndex(), src.readableBytes());
        long expiry = p.properties().messageExpiryInterval();
        long expiresAt = expiry >= 0 ? c.services().clock().millis() + expiry * 1000 : Message.NO_EXPIRY;
        Message m = new Message(topic, c.topics().utf8(topic), p.qos(), p.retain(), p.properties(), copy, expiresAt,
            c.clientId());
        try {
            return c.services().router().publish(m);
        } finally {
            m.release();
        }
    }

    private static void ack(MqttConnection c, PublishPacket p, int reasonCode) {
        ack(c, p.qos(), p.packetId(), reasonCode);
    }

    private static void ack(MqttConnection c, int qos, int packetId, int reasonCode) {
        int type = qos == 1 ? PacketType.PUBACK : PacketType.PUBREC;
        c.write(PacketEncoder.ack(c.alloc(), c.version(), type, packetId, reasonCode, Properties.EMPTY));
    }
}
