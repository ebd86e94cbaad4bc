package org.homerouter.pptp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PrintableNameTest {
    @Test
    void peerChosenNamesCannotForgeLogLines() {
        assertEquals("alice\\u000a2026-01-01 [INFO] admin logged in", PppSession.printable("alice\n2026-01-01 [INFO] admin logged in"));
        assertEquals("DOMAIN\\u005cbob", PppSession.printable("DOMAIN\\bob"));
        assertEquals("j\\u00f6rg", PppSession.printable("jörg"));
        assertEquals(128, PppSession.printable("x".repeat(1000)).length());
    }
}
