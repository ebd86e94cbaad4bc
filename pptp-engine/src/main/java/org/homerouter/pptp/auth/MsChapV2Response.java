package org.homerouter.pptp.auth;

import static org.homerouter.pptp.auth.NtPasswordHash.requireLength;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The Value field of an MS-CHAPv2 Response packet (RFC 2759 §4): 16 octets Peer-Challenge,
 * 8 reserved octets (zero), 24 octets NT-Response, 1 octet Flags (zero). The CHAP header and the
 * Name field around it belong to the CHAP codec.
 */
public record MsChapV2Response(byte[] peerChallenge, byte[] ntResponse, int flags) {
    /** Value-Size of every MS-CHAPv2 Response (RFC 2759 §4). */
    public static final int VALUE_LENGTH = 49;
    private static final int RESERVED_OFFSET = 16;
    private static final int NT_RESPONSE_OFFSET = 24;
    private static final int FLAGS_OFFSET = 48;

    public MsChapV2Response {
        requireLength("peer challenge", peerChallenge, MsChapV2.CHALLENGE_LENGTH);
        requireLength("NT-Response", ntResponse, MsChapV2.NT_RESPONSE_LENGTH);
        if (flags < 0 || flags > 0xFF) {
            throw new IllegalArgumentException("flags out of range 0..255: " + flags);
        }
        peerChallenge = peerChallenge.clone();
        ntResponse = ntResponse.clone();
    }

    /** A Response as a peer builds it: reserved octets and Flags zero (RFC 2759 §4). */
    public static MsChapV2Response of(byte[] peerChallenge, byte[] ntResponse) {
        return new MsChapV2Response(peerChallenge, ntResponse, 0);
    }

    /**
     * Parses the 49-octet Value. The reserved octets are not checked: RFC 2759 §4 says they "MUST
     * be zero" for the sender, and rejecting a peer over unused octets would gain nothing.
     */
    public static MsChapV2Response decode(byte[] buf, int off, int len) {
        if (len != VALUE_LENGTH) {
            throw new IllegalArgumentException("MS-CHAPv2 Response value must be 49 octets, got " + len);
        }
        return new MsChapV2Response(
                Arrays.copyOfRange(buf, off, off + RESERVED_OFFSET),
                Arrays.copyOfRange(buf, off + NT_RESPONSE_OFFSET, off + FLAGS_OFFSET),
                buf[off + FLAGS_OFFSET] & 0xFF);
    }

    /** The 49-octet Value. */
    public byte[] encode() {
        byte[] out = new byte[VALUE_LENGTH];
        System.arraycopy(peerChallenge, 0, out, 0, MsChapV2.CHALLENGE_LENGTH);
        System.arraycopy(ntResponse, 0, out, NT_RESPONSE_OFFSET, MsChapV2.NT_RESPONSE_LENGTH);
        out[FLAGS_OFFSET] = (byte) flags;
        return out;
    }

    @Override
    public byte[] peerChallenge() {
        return peerChallenge.clone();
    }

    @Override
    public byte[] ntResponse() {
        return ntResponse.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MsChapV2Response r && flags == r.flags
                && Arrays.equals(peerChallenge, r.peerChallenge) && Arrays.equals(ntResponse, r.ntResponse);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(peerChallenge) + Arrays.hashCode(ntResponse)) + flags;
    }

    @Override
    public String toString() {
        HexFormat hex = HexFormat.of().withUpperCase();
        return "MsChapV2Response[peerChallenge=" + hex.formatHex(peerChallenge)
                + ", ntResponse=" + hex.formatHex(ntResponse) + ", flags=" + flags + "]";
    }
}
