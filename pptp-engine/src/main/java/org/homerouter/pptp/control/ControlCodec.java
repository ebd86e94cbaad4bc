package org.homerouter.pptp.control;

import io.netty.channel.ChannelPipeline;

/**
 * Installs the PPTP control connection codec (RFC 2637 §2) in a pipeline. The server's and the
 * client's connection handlers are added after it: they receive {@link ControlMessage}s, write
 * {@link ControlMessage}s, and see {@link MalformedControlMessageException} (or another
 * {@link io.netty.handler.codec.DecoderException}) in {@code exceptionCaught}, on which they log
 * and close the connection.
 */
public final class ControlCodec {
    /** Name of the {@link ControlFrameDecoder}. */
    public static final String FRAME = "pptp-frame";
    /** Name of the {@link ControlMessageDecoder}. */
    public static final String DECODE = "pptp-decode";
    /** Name of the {@link ControlMessageEncoder}. */
    public static final String ENCODE = "pptp-encode";

    private ControlCodec() {
    }

    /** Appends frame decoder, message decoder and encoder, in that order, with fresh decoders. */
    public static void addTo(ChannelPipeline p) {
        p.addLast(FRAME, new ControlFrameDecoder());
        p.addLast(DECODE, new ControlMessageDecoder());
        p.addLast(ENCODE, new ControlMessageEncoder());
    }
}
