package dev.tern.broker.transport;

import dev.tern.broker.ListenerConfig;
import dev.tern.broker.protocol.Handlers;
import dev.tern.broker.protocol.MqttConnection;
import dev.tern.broker.protocol.ProtocolServices;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

/**
 * Builds each connection's pipeline: for WebSocket listeners the HTTP upgrade and frame handling
 * first; then the connection handler, which frames and decodes MQTT itself: one MQTT handler per
 * connection, nothing allocated per connection beyond it.
 */
public final class MqttChannelInitializer extends ChannelInitializer<Channel> {
    private final ListenerConfig listener;
    private final ProtocolServices services;
    private final Handlers handlers;
    private final ChannelGroup channels;

    public MqttChannelInitializer(ListenerConfig listener, ProtocolServices services, Handlers handlers,
                                  ChannelGroup channels) {
        this.listener = listener;
        this.services = services;
        this.handlers = handlers;
        this.channels = channels;
    }

    @Override
    protected void initChannel(Channel ch) {
        channels.add(ch);
        ChannelPipeline p = ch.pipeline();
        if (listener.transport() == ListenerConfig.Transport.WS) {
            p.addLast("http", new HttpServerCodec());
            p.addLast("http-aggregator", new HttpObjectAggregator(65536));
            long max = services.config().effectiveMaximumPacketSize();
            p.addLast("ws-protocol", new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(listener.path())
                // MQTT 5 section 6: subprotocol "mqtt"; 3.1 clients ask for "mqttv3.1"
                .subprotocols("mqtt,mqttv3.1,mqttv3.1.1")
                .maxFramePayloadLength((int) Math.min(Integer.MAX_VALUE, max))
                .checkStartsWith(false)
                .build()));
            p.addLast(WebSocketFrameCodec.NAME, new WebSocketFrameCodec());
        }
        p.addLast(MqttConnection.NAME, new MqttConnection(services, handlers));
    }
}
