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
     * Parses a Success Message. " M=..." is optional on input: pppd omits it, and a peer must not
     * fail a correct authenticator response over missing text.
     */
    public static MsChapV2Success decode(byte[] buf, int off, int len) {
        String s = new String(buf, off, len, StandardCharsets.UTF_8);
        int n = MsChapV2.AUTHENTICATOR_RESPONSE_LENGTH;
        if (s.length() < n) {
            throw new IllegalArgumentException("Success message shorter than \"S=\" + 40 hex digits");
        }
        String auth = s.substring(0, n);
        String rest = s.substring(n);
        String message;
        if (rest.isEmpty()) {
            message = "";
        } else if (rest.startsWith(" M=")) {
            message = rest.substring(3);
        } else {
            throw new IllegalArgumentException("Success message: expected \" M=\" after the authenticator response");
        }
        return new MsChapV2Success(auth, message);
    }
}
