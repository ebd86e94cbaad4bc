package org.homerouter.pptp.control;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import org.homerouter.pptp.control.MalformedControlMessageException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Turns each whole frame from {@link ControlFrameDecoder} into a {@link ControlMessage} with
 * {@link ControlMessageCodec#decode}. A malformed frame raises
 * {@link MalformedControlMessageException} through {@code exceptionCaught}; from then on every
 * frame is dropped, because a bad Magic Cookie or Length means the stream has lost framing (RFC
 * 2637 §2) and whatever follows is not trustworthy.
 *
 * <p>The one exception is a Control Message Type we do not know, in a frame whose Length, Message
 * Type and Magic Cookie are sound: the stream is still in sync, so the message is skipped and
 * logged, as pptpd, pptp-linux and Android's mtpd do. RFC 2637 defines no reply for it, and a
 * newer peer's extension should not cost the user the tunnel.
 *
 * <p>One instance per connection: it holds the failed state.
 */
public final class ControlMessageDecoder extends MessageToMessageDecoder<ByteBuf> {
    private static final Logger LOG = LoggerFactory.getLogger(ControlMessageDecoder.class);
    private static final org.homerouter.pptp.LogLimit SKIPPED_LOGGED = new org.homerouter.pptp.LogLimit();

    private boolean failed;
    private int skipped;

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
            if (e.reason() == Reason.UNKNOWN_CONTROL_TYPE) {
                // Once per connection at warn: a peer sending them in a loop must not flood the log.
                // And a budget across connections: a scanner opening one after another sets the pace.
                String more = skipped++ == 0 ? SKIPPED_LOGGED.admit() : null;
                if (more != null) {
                    LOG.warn("{}: skipped a control message: {}{}", ctx.channel().remoteAddress(), e.getMessage(), more);
                } else {
                    LOG.debug("{}: skipped a control message: {}", ctx.channel().remoteAddress(), e.getMessage());
                }
                return;
            }
            failed = true;
            throw e;
        }
    }

    /** How many well-framed messages of an unknown Control Message Type were skipped. */
    public int skipped() {
        return skipped;
    }

    /** True once a malformed message was seen; nothing more will be emitted on this connection. */
    public boolean isFailed() {
        return failed;
    }
}
