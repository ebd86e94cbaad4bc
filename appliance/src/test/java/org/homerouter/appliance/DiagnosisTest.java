package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.homerouter.pptp.session.SessionEnd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What the owner reads on the Dashboard and Logs pages for a session's end. */
class DiagnosisTest {
    /** Only an orderly hang-up of a session that was up is normal: every other end is a problem with advice. */
    @ParameterizedTest
    @EnumSource(SessionEnd.class)
    void everyEndButAnOrderlyHangUpIsAFailureWithAdvice(SessionEnd end) {
        boolean normal = end == SessionEnd.HUNG_UP || end == SessionEnd.CALL_CLEARED;
        assertEquals(!normal, Diagnosis.failed(end.name(), true), end.name());
        assertEquals(normal, Diagnosis.advice(end.name()).isEmpty(), end.name());
        assertFalse(Diagnosis.what(end.name()).equals(end.name()), "described in words: " + end.name());
    }

    /**
     * A client whose link came up and that then did not log in (a password prompt left open) was
     * told "the client went silent while the link was set up: check its network", and to look for
     * what drops GRE, which had got through. Its end names the login, and a stored row of the new
     * end read by a firmware that does not know it shows its name, not a failure to read the page.
     */
    @Test
    void aLoginNotCompletedIsNotBlamedOnTheClientsNetwork() {
        String advice = Diagnosis.advice(SessionEnd.LOGIN_TIMEOUT.name());
        assertTrue(advice.startsWith("The client's network is not the problem"), advice);
        assertTrue(advice.contains("password prompt"), advice);
        assertFalse(advice.contains("check its network"), advice);
        assertEquals("the link was set up, but the client did not complete its login in time",
                Diagnosis.what(SessionEnd.LOGIN_TIMEOUT.name()));
        assertEquals("the link was set up, but the remote server did not complete this router's login in time",
                SessionEnd.LOGIN_TIMEOUT.description(org.homerouter.pptp.session.SessionRole.CLIENT));
        // An end this firmware does not know (a newer one's row, after a downgrade): shown by name, no advice.
        assertEquals("SOME_NEWER_END", Diagnosis.what("SOME_NEWER_END"));
        assertEquals("", Diagnosis.advice("SOME_NEWER_END", "203.0.113.4", java.util.Optional.empty()));
    }

    /**
     * The Users page's last connection, read through the accounts the UI uses: a failed login in a
     * few words fit for a table cell, and an account with no history "never".
     */
    @Test
    void theUsersPageGetsEachAccountsLastConnectionWithAShortReason(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        try (Appliance a = Appliance.start(dir.resolve("router.db"), new Appliance.Overrides("127.0.0.1", 0, 0),
                DataPlane.unavailable("test: no data plane"))) {
            var store = a.store();
            for (String name : java.util.List.of("alice", "bob")) {
                store.addUser(new org.homerouter.appliance.store.VpnUser(name, new byte[16], java.util.Optional.empty(),
                        true, java.util.Optional.empty()));
            }
            store.sessionStarted(100, "alice", "198.51.100.2", "192.168.250.10", "alice connected");
            store.sessionEnded(0, 200, 201, "alice", "203.0.113.4", null, 0, 0, "AUTH_FAILED", "", "auth-failure", "x");
            var accounts = new StoreUserAccounts(store, a);
            var rows = accounts.users();
            // Not connected now: its row is open, but no session of it is up in the service.
            assertEquals(new org.homerouter.webui.api.UserAccounts.LastConnection(100, "198.51.100.2", false, 201,
                    "wrong password or user name (Windows error 691)"), rows.get(0).lastConnection());
            assertTrue(rows.get(1).lastConnection().never(), "bob: nothing in the history");
            assertEquals(rows.get(0), accounts.user("alice").orElseThrow());
            assertTrue(Diagnosis.brief("LOCKED_OUT").length() < 60, Diagnosis.brief("LOCKED_OUT"));
        }
    }

    /**
     * No GRE from a client on the internet while this router's own internet side is a private
     * address: the router in front of it is where GRE most likely stops, and the advice leads with
     * it (it sent the owner to the client's side alone). A client on a private network does not
     * pass that router, and a router with a public address has none in front: their advice is as before.
     */
    @Test
    void noGreBehindAnotherRouterLeadsWithThatRouter() throws Exception {
        var front = java.util.Optional.of((java.net.Inet4Address) java.net.InetAddress.ofLiteral("192.168.0.20"));
        var publicSide = java.util.Optional.of((java.net.Inet4Address) java.net.InetAddress.ofLiteral("203.0.113.5"));
        String advice = ApplianceSessions.record(noGre("198.51.100.9"), front).advice();
        assertTrue(advice.startsWith("This router is behind another router (its internet side has the private address"
                + " 192.168.0.20): that router must pass GRE (IP protocol 47) to it, not only TCP port 1723: set this"
                + " router as its DMZ host, or enable its PPTP passthrough."), advice);
        assertTrue(advice.contains("If it already does, look on the client's side: " + Diagnosis.advice("NO_GRE")), advice);
        assertEquals(Diagnosis.advice("NO_GRE"), ApplianceSessions.record(noGre("198.51.100.9"), publicSide).advice());
        assertEquals(Diagnosis.advice("NO_GRE"), ApplianceSessions.record(noGre("192.168.0.7"), front).advice(),
                "a client beside this router does not pass the one in front");
        assertEquals(Diagnosis.advice("NO_GRE"), ApplianceSessions.record(noGre("198.51.100.9"),
                java.util.Optional.empty()).advice(), "no route: nothing known");
    }

    private static org.homerouter.appliance.store.ApplianceStore.SessionRow noGre(String client) {
        return new org.homerouter.appliance.store.ApplianceStore.SessionRow(1, 1_000, 2_000, null, client, null, 0, 0,
                false, "NO_GRE", "", null, null, false);
    }

    /**
     * A router that offers no encryption (Encryption "None", or no MS-CHAPv2) is told to offer it:
     * "relax the encryption policy" sent an owner whose policy was already "None" further the wrong way.
     */
    @Test
    void encryptionRefusedSaysBothWaysRound() {
        String advice = Diagnosis.advice("ENCRYPTION_REFUSED");
        assertTrue(advice.contains("this router offers none") && advice.contains("choose Encryption \"Require 128-bit"
                + " (recommended)\" with MS-CHAP v2 ticked"), advice);
        assertTrue(advice.contains("Data encryption \"Require encryption\""), advice);
        assertFalse(advice.contains("relax"), advice);
    }

    /** Encryption that broke down, and a control connection that was lost, are no normal close. */
    @Test
    void encryptionLostAndControlLostAreFailuresThatSayWhatToDo() {
        assertTrue(Diagnosis.failed("ENCRYPTION_LOST", true));
        assertTrue(Diagnosis.advice("ENCRYPTION_LOST").contains("stateless"));
        assertTrue(Diagnosis.failed("CONTROL_LOST", true));
        assertTrue(Diagnosis.advice("CONTROL_LOST").contains("client's network"));
        assertFalse(Diagnosis.what("CONTROL_LOST").contains("normally"));
    }

    /**
     * A login method the client wants is advised by case: one this router has is allowed on the VPN
     * server page, one it has not (EAP, MS-CHAP v1) is changed on the client; a CHAP-MD5 login of an
     * account without a CHAP secret needs its password set again, not the method allowed.
     */
    @Test
    void loginMethodTroubleIsAdvisedByCase() {
        assertTrue(Diagnosis.advice("AUTH_METHOD_REFUSED").contains("allow its method on the VPN server page"));
        String unsupported = Diagnosis.advice("AUTH_METHOD_UNSUPPORTED");
        assertTrue(unsupported.contains("no setting here can allow it"), unsupported);
        assertTrue(unsupported.contains("Set the client to MS-CHAP v2"), unsupported);
        assertTrue(unsupported.contains("Security tab"), unsupported);
        String secret = Diagnosis.advice("CHAP_SECRET_MISSING");
        assertTrue(secret.contains("Set the user's password again"), secret);
        assertFalse(secret.contains("VPN server page"), "no method to allow: " + secret);
    }

    /** Two clients behind one NAT: the advice says the NAT passes GRE for one at a time, not that GRE is blocked. */
    @Test
    void greForOneClientAtATimeIsAdvisedAsTheNatInFrontOfThem() {
        String advice = Diagnosis.advice("GRE_SHARED_ADDRESS");
        assertTrue(advice.contains("one of them at a time"), advice);
        assertTrue(advice.contains("PPTP passthrough for several clients"), advice);
        assertTrue(Diagnosis.failed("GRE_SHARED_ADDRESS", false));
    }

    /** A reason stored by another version that this one does not know still reads, as itself. */
    @Test
    void anUnknownStoredReasonReadsAsItself() {
        assertEquals("SOMETHING_NEWER", Diagnosis.what("SOMETHING_NEWER"));
        assertEquals("", Diagnosis.advice("SOMETHING_NEWER"));
    }
}
