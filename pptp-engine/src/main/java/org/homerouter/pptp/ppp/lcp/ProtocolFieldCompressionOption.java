package org.homerouter.pptp.ppp.lcp;

/** Protocol-Field-Compression (RFC 1661 §6.5): one-octet Protocol fields for values below 0x100. */
public final class ProtocolFieldCompressionOption extends FlagOption {
    /** @param wanted whether to ask the peer to send us compressed Protocol fields */
    public ProtocolFieldCompressionOption(boolean wanted) {
        super(wanted);
    }

    @Override
    public int type() {
        return LcpOptionType.PROTOCOL_FIELD_COMPRESSION;
    }
}
