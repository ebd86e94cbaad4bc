package org.homerouter.pptp.control;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;

import java.util.List;

/**
 * Turns each whole frame from {@link ControlFrameDecoder} into a {@link ControlMessage} with
 * {@link ControlMessageCodec#decode}. A malformed frame raises
 * {@link MalformedControlMessageException} through {@code exceptionCaught}; from then on every
 * frame is dropped, because a bad Magic Cookie or Length means the stream has lost framing (RFC
 * 2637 §2) and whatever follows is not trustworthy.
 *
 * <p>One instance per connection: it holds the failed state.
 */
public final class ControlMessageDecoder extends MessageToMessageDecoder<ByteBuf> {
    private boolean failed;

    public ControlMessageDecoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        if (failed) {
            return; // MessageToMessageDecoder releases the frame.
        }
        try {
            out.add(ControlMessageCodec.decode(frame));
        } catch (MalformedControlMessageException e) {
            failed = true;
            throw e;
        }
    }

    /** True once a malformed message was seen; nothing more will be emitted on this connection. */
    public boolean isFailed() {
        return failed;
    }
}
