package dev.tern.broker.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

import java.util.List;

/**
 * MQTT over WebSocket (MQTT 5 section 6): MQTT bytes travel in binary frames; a packet may span
 * frames and a frame may hold several packets, so frames are unwrapped into a byte stream for the
 * MQTT frame decoder. A text frame is a protocol violation [MQTT-6.0.0-1]: the connection closes.
 */
public final class WebSocketFrameCodec extends MessageToMessageCodec<WebSocketFrame, ByteBuf> {
    public static final String NAME = "ws-frames";

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
        out.add(new BinaryWebSocketFrame(msg.retain()));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
        if (frame instanceof BinaryWebSocketFrame || frame instanceof ContinuationWebSocketFrame) {
            out.add(frame.content().retain());
        } else if (frame instanceof TextWebSocketFrame) {
            ctx.close();
        }
    }
}
