package org.homerouter.pptp.ppp;

import java.util.List;

/**
 * A protocol's judgement of a peer's Configure-Request: the Code of the reply and, for a Nak or
 * Reject, its options. For an Ack the automaton echoes the request's options verbatim, as RFC 1661
 * §5.2 demands, so none are carried here.
 *
 * @param code {@link ControlPacket#CONFIGURE_ACK}, {@link ControlPacket#CONFIGURE_NAK} or
 *     {@link ControlPacket#CONFIGURE_REJECT}
 * @param options the Nak'd options with acceptable values (§5.3), or the rejected options copied
 *     unchanged from the request (§5.4); empty for an Ack
 */
public record ConfigureReply(int code, List<ConfigOption> options) {
    private static final ConfigureReply ACK = new ConfigureReply(ControlPacket.CONFIGURE_ACK, List.of());

    public ConfigureReply {
        options = List.copyOf(options);
        if (code == ControlPacket.CONFIGURE_ACK ? !options.isEmpty()
                : (code != ControlPacket.CONFIGURE_NAK && code != ControlPacket.CONFIGURE_REJECT) || options.isEmpty()) {
            throw new IllegalArgumentException("an Ack carries no options; a Nak or Reject carries at least one");
        }
    }

    public static ConfigureReply ack() {
        return ACK;
    }

    public static ConfigureReply nak(List<ConfigOption> suggestions) {
        return new ConfigureReply(ControlPacket.CONFIGURE_NAK, suggestions);
    }

    public static ConfigureReply reject(List<ConfigOption> rejected) {
        return new ConfigureReply(ControlPacket.CONFIGURE_REJECT, rejected);
    }

    /** Whether this is the acceptable case (RCR+). */
    public boolean acceptable() {
        return code == ControlPacket.CONFIGURE_ACK;
    }
}
