package org.homerouter.pptp.auth;

import java.nio.charset.StandardCharsets;

/**
 * The Message field of an MS-CHAPv2 Success packet (RFC 2759 §5): {@code S=<auth_string> M=<message>},
 * where auth_string is the 40-digit authenticator response of §8.7.
 *
 * @param authenticatorResponse "S=" followed by 40 hexadecimal digits
 * @param message human-readable text, possibly empty
 */
public record MsChapV2Success(String authenticatorResponse, String message) {

    public MsChapV2Success {
        if (MsChapV2.decodeAuthenticatorResponse(authenticatorResponse).isEmpty()) {
            throw new IllegalArgumentException("authenticator response must be \"S=\" and 40 hex digits");
        }
        if (message == null) {
            throw new IllegalArgumentException("message is null (use \"\")");
        }
    }

    /** Builds {@code S=<40 hex> M=<message>}; the message is sent as UTF-8. */
    public byte[] encode() {
        return (authenticatorResponse + " M=" + message).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Parses a Success Message. What follows the authenticator response is taken as it comes: pppd
     * omits " M=...", Windows Server 2019's RRAS sends "M=..." with no space before it (pppd had to
     * learn to accept that too), and a peer must not fail a correct authenticator response, the
     * only part that proves anything (RFC 2759 §5), over its text.
     */
    public static MsChapV2Success decode(byte[] buf, int off, int len) {
        String s = new String(buf, off, len, StandardCharsets.UTF_8);
        int n = MsChapV2.AUTHENTICATOR_RESPONSE_LENGTH;
        if (s.length() < n) {
            throw new IllegalArgumentException("Success message shorter than \"S=\" + 40 hex digits");
        }
        String auth = s.substring(0, n);
        String rest = s.substring(n);
        String message = rest.startsWith(" M=") ? rest.substring(3)
                : rest.startsWith("M=") ? rest.substring(2)
                : rest.strip();
        return new MsChapV2Success(auth, message);
    }
}
