package org.homerouter.pptp.ppp.lcp;

/** Address-and-Control-Field-Compression (RFC 1661 §6.6): frames without the 0xFF 0x03 octets. */
public final class AddressControlFieldCompressionOption extends FlagOption {
    /** @param wanted whether to ask the peer to send us frames without Address and Control */
    public AddressControlFieldCompressionOption(boolean wanted) {
        super(wanted);
    }

    @Override
    public int type() {
        return LcpOptionType.ADDRESS_CONTROL_FIELD_COMPRESSION;
    }
}
