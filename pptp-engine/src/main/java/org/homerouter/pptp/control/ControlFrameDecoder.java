package org.homerouter.pptp.control;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import org.homerouter.pptp.control.MalformedControlMessageException.Reason;

import static org.homerouter.pptp.control.ControlProtocol.HEADER_LENGTH;
import static org.homerouter.pptp.control.ControlProtocol.MAX_MESSAGE_LENGTH;

/**
 * Splits the control connection's TCP stream into whole messages using the Length field, the
 * first two octets of every message, which counts the whole message header included (RFC 2637
 * §2). Emits each message as a retained slice for {@link ControlMessageDecoder}.
 *
 * <p>A Length below the 12-octet header or above the largest message (220) is rejected as soon as
 * the two Length octets arrive, so a hostile peer can neither make us wait for nor buffer a
 * claimed 64 KiB. After any error the decoder is spent: TCP offers no point to resynchronise
 * (the Magic Cookie is only a check, §2), so every later octet is discarded unread. This is what
 * turns PoPToP's CAN-2003-0213 input (Length 0 then 1500 octets) into one error and nothing else.
 *
 * <p>One instance per connection: it holds the partial frame and the failed state.
 */
public final class ControlFrameDecoder extends LengthFieldBasedFrameDecoder {
    private boolean failed;

    public ControlFrameDecoder() {
        // Length at offset 0, 2 octets; it includes itself, hence the -2 adjustment; nothing
        // stripped so the codec sees the whole header; failFast rejects over-long frames at once.
        super(MAX_MESSAGE_LENGTH, 0, 2, -2, 0);
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return null;
        }
        try {
            rejectImpossibleLength(in);
            return super.decode(ctx, in);
        } catch (Exception e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    /** True once a framing error was seen; nothing more will be decoded on this connection. */
    public boolean isFailed() {
        return failed;
    }

    private static void rejectImpossibleLength(ByteBuf in) {
        if (in.readableBytes() < 2) {
            return;
        }
        int length = in.getUnsignedShort(in.readerIndex());
        if (length < HEADER_LENGTH) {
            // FreeBSD D57383 / CAN-2003-0213: a Length shorter than the header must not be
            // used to advance through the stream.
            throw new MalformedControlMessageException(Reason.TOO_SHORT,
                    "Length field " + length + " is shorter than the " + HEADER_LENGTH + "-octet header");
        }
        if (length > MAX_MESSAGE_LENGTH) {
            throw new MalformedControlMessageException(Reason.TOO_LONG,
                    "Length field " + length + " exceeds the largest control message (" + MAX_MESSAGE_LENGTH + " octets)");
        }
    }
}
