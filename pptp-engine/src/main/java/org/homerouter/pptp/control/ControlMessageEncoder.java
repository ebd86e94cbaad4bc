package org.homerouter.pptp.control;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Writes outbound {@link ControlMessage}s in their RFC 2637 §2 wire form with
 * {@link ControlMessageCodec#encode(ControlMessage, ByteBuf)}. Stateless, hence sharable.
 */
@Sharable
public final class ControlMessageEncoder extends MessageToByteEncoder<ControlMessage> {

    public ControlMessageEncoder() {
        super(ControlMessage.class);
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, ControlMessage msg, boolean preferDirect) {
        // Every control message has a fixed length: allocate exactly that.
        int length = msg.type().length();
        return preferDirect ? ctx.alloc().ioBuffer(length) : ctx.alloc().heapBuffer(length);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ControlMessage msg, ByteBuf out) {
        ControlMessageCodec.encode(msg, out);
    }
}
