package org.homerouter.pptp.ppp.lcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import org.homerouter.pptp.auth.AuthMethod;
import org.junit.jupiter.api.Test;

/** The client's side of the Authentication-Protocol option (RFC 1661 §6.2): what the server asked for. */
class AuthenticationProtocolOptionTest {
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    /**
     * A server asking for a method the client cannot answer gets a Nak naming ours, and the
     * session learns which one it wanted: when the server then gives up on the login or on LCP,
     * the end names it (it was "the server did not prove it knows the password").
     */
    @Test
    void aMethodTheClientCannotDoIsNakdAndRemembered() {
        AuthenticationProtocolOption o = new AuthenticationProtocolOption(List.of(), List.of(AuthMethod.MSCHAP_V2),
                f -> { });
        assertTrue(o.peerWanted().isEmpty());
        var verdict = o.judge(HEX.parseHex("C22305"));
        assertEquals("C22381", HEX.formatHex(verdict.nakValue()), verdict.toString());
        assertArrayEquals(HEX.parseHex("C22305"), o.peerWanted().orElseThrow(), "CHAP-MD5 was wanted");
        o.reset();
        assertTrue(o.peerWanted().isEmpty(), "a new negotiation starts afresh");
        o.judge(HEX.parseHex("C22381"));
        assertTrue(o.peerWanted().isEmpty(), "MS-CHAP v2 is one the client does");

        // A server that proposes CHAP-MD5 first and then comes round to MS-CHAP v2, as servers do:
        // if the link fails after, it is not for the method.
        o.judge(HEX.parseHex("C22305"));
        o.judge(HEX.parseHex("C22381"));
        assertTrue(o.peerWanted().isEmpty(), "agreed in the end");
    }
}
