package org.homerouter.pptp.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class AuthPolicyAndDirectoryTest {

    @Test
    void defaultPolicyAllowsOnlyMsChapV2() {
        assertEquals(AuthMethod.MSCHAP_V2, AuthPolicy.DEFAULT.preferred());
        assertFalse(AuthPolicy.DEFAULT.allows(AuthMethod.PAP));
        assertFalse(AuthPolicy.DEFAULT.allows(AuthMethod.CHAP_MD5));
        assertEquals(1, AuthPolicy.DEFAULT.maxAttempts());
    }

    @Test
    void fallbackFollowsThePreferenceOrder() {
        AuthPolicy p = AuthPolicy.DEFAULT.withMethods(AuthMethod.MSCHAP_V2, AuthMethod.PAP);
        assertEquals(Optional.of(AuthMethod.PAP), p.after(AuthMethod.MSCHAP_V2));
        assertEquals(Optional.empty(), p.after(AuthMethod.PAP));
        assertThrows(IllegalArgumentException.class, () -> AuthPolicy.DEFAULT.withMethods());
        assertThrows(IllegalArgumentException.class,
                () -> AuthPolicy.DEFAULT.withMethods(AuthMethod.PAP, AuthMethod.PAP));
        assertThrows(IllegalArgumentException.class, () -> AuthPolicy.DEFAULT.withMaxAttempts(0));
    }

    @Test
    void namesMatchRegardlessOfAsciiCaseThenWithoutAWindowsDomain() {
        InMemoryUserDirectory d = new InMemoryUserDirectory(PppUser.withPassword("alice", "x"),
                PppUser.withPassword("OFFICE\\bob", "y"));

        assertEquals("alice", d.resolve("alice").orElseThrow().userName());
        assertEquals("alice", d.resolve("HOME\\alice").orElseThrow().userName());
        assertEquals("alice", d.resolve("Alice").orElseThrow().userName(), "the account's own name, whatever the case");
        assertEquals("alice", d.resolve("HOME\\ALICE").orElseThrow().userName());
        assertEquals("office\\bob", UserDirectory.fold("OFFICE\\bob"));
        assertEquals("\u00c9mile", UserDirectory.fold("\u00c9MILE"), "ASCII letters only");
        assertEquals(Optional.empty(), d.resolve("alice\\"));
        assertEquals("OFFICE\\bob", d.resolve("OFFICE\\bob").orElseThrow().userName());
        assertEquals(Optional.empty(), d.resolve("bob"), "a stored domain name is not matched by the bare name");
    }

    @Test
    void userRecordKeepsNoPasswordUnlessCleartextIsAskedFor() {
        PppUser hashed = PppUser.withPassword("alice", "secret");
        assertTrue(hashed.chapMd5Secret().isEmpty());
        assertFalse(hashed.toString().contains("secret"));
        assertTrue(PppUser.withCleartextPassword("alice", "secret").chapMd5Secret().isPresent());
        assertFalse(hashed.withEnabled(false).enabled());
    }
}
