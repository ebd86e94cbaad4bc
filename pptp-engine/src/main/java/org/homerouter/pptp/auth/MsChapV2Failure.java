package org.homerouter.pptp.auth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The Message field of an MS-CHAPv2 Failure packet (RFC 2759 §6):
 * {@code E=eeeeeeeeee R=r C=cccccccccccccccccccccccccccccccc V=vvvvvvvvvv M=<msg>}.
 *
 * @param errorCode decimal error code, see {@link MsChapError}
 * @param retryAllowed R=1: the peer may retry with the new challenge
 * @param challenge the 16-octet challenge C= for a retry; empty when a received message had no C=
 * @param version V=, the password-change protocol version the server supports (3 for MS-CHAPv2)
 * @param message human-readable text, possibly empty
 */
public record MsChapV2Failure(int errorCode, boolean retryAllowed, byte[] challenge, int version, String message) {
    /** RFC 2759 §6: "For MS-CHAP-V2, this value SHOULD always be 3." */
    public static final int VERSION_MSCHAPV2 = 3;
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    public MsChapV2Failure {
        if (errorCode < 0) {
            throw new IllegalArgumentException("error code must be non-negative: " + errorCode);
        }
        if (challenge == null || (challenge.length != 0 && challenge.length != MsChapV2.CHALLENGE_LENGTH)) {
            throw new IllegalArgumentException("challenge must be 16 octets (or empty when absent)");
        }
        if (version < 0) {
            throw new IllegalArgumentException("version must be non-negative: " + version);
        }
        if (message == null) {
            throw new IllegalArgumentException("message is null (use \"\")");
        }
        challenge = challenge.clone();
    }

    /** A Failure as this server sends it: V=3 and a fresh 16-octet challenge. */
    public static MsChapV2Failure of(MsChapError error, boolean retryAllowed, byte[] newChallenge, String message) {
        NtPasswordHash.requireLength("challenge", newChallenge, MsChapV2.CHALLENGE_LENGTH);
        return new MsChapV2Failure(error.code(), retryAllowed, newChallenge, VERSION_MSCHAPV2, message);
    }

    /** The code as a known error, if RFC 2759 §6 lists it. */
    public Optional<MsChapError> error() {
        return MsChapError.forCode(errorCode);
    }

    @Override
    public byte[] challenge() {
        return challenge.clone();
    }

    /**
     * Builds the Message. RFC 2759 §6 says C= "MUST be present" and be exactly 32 hex digits, so
     * building needs a 16-octet challenge.
     */
    public byte[] encode() {
        if (challenge.length != MsChapV2.CHALLENGE_LENGTH) {
            throw new IllegalStateException("a Failure sent must carry a 16-octet challenge (RFC 2759 §6)");
        }
        String s = "E=" + errorCode + " R=" + (retryAllowed ? 1 : 0) + " C=" + HEX.formatHex(challenge)
                + " V=" + version + " M=" + message;
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Parses a Failure Message. E= must come first (RFC 2759 §6); R=, C= and V= are read if present
     * (R defaults to no retry, V to 0); everything after " M=" is the text, spaces included.
     */
    public static MsChapV2Failure decode(byte[] buf, int off, int len) {
        String s = new String(buf, off, len, StandardCharsets.UTF_8);
        String message = "";
        int m = s.startsWith("M=") ? 0 : s.indexOf(" M=");
        String fields = s;
        if (m >= 0) {
            message = s.substring(m + (m == 0 ? 2 : 3));
            fields = s.substring(0, m);
        }
        if (!fields.startsWith("E=")) {
            throw new IllegalArgumentException("Failure message must start with E=");
        }
        Integer error = null;
        boolean retry = false;
        byte[] challenge = new byte[0];
        int version = 0;
        for (String field : fields.trim().split(" +")) {
            if (field.length() < 2 || field.charAt(1) != '=') {
                throw new IllegalArgumentException("Failure message: malformed field \"" + field + "\"");
            }
            String value = field.substring(2);
            switch (field.charAt(0)) {
                case 'E' -> error = decimal("E", value);
                case 'R' -> retry = "1".equals(value);
                case 'C' -> challenge = hexChallenge(value);
                case 'V' -> version = decimal("V", value);
                default -> {
                    // Unknown fields are ignored: later Windows versions may add some.
                }
            }
        }
        if (error == null) {
            throw new IllegalArgumentException("Failure message without E=");
        }
        return new MsChapV2Failure(error, retry, challenge, version, message);
    }

    private static int decimal(String name, String value) {
        if (value.isEmpty() || value.length() > 10 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("Failure message: " + name + "= is not a decimal number");
        }
        long v = Long.parseLong(value);
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Failure message: " + name + "= out of range");
        }
        return (int) v;
    }

    private static byte[] hexChallenge(String value) {
        if (value.length() != 2 * MsChapV2.CHALLENGE_LENGTH) {
            throw new IllegalArgumentException("Failure message: C= must be exactly 32 hex digits");
        }
        try {
            return HexFormat.of().parseHex(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Failure message: C= is not hexadecimal", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MsChapV2Failure f && errorCode == f.errorCode && retryAllowed == f.retryAllowed
                && version == f.version && Arrays.equals(challenge, f.challenge) && message.equals(f.message);
    }

    @Override
    public int hashCode() {
        return ((Integer.hashCode(errorCode) * 31 + Boolean.hashCode(retryAllowed)) * 31
                + Arrays.hashCode(challenge)) * 31 + version * 17 + message.hashCode();
    }

    @Override
    public String toString() {
        return "MsChapV2Failure[E=" + errorCode + ", R=" + (retryAllowed ? 1 : 0) + ", C="
                + HEX.formatHex(challenge) + ", V=" + version + ", M=" + message + "]";
    }
}
