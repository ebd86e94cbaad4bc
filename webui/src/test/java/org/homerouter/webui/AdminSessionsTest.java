package org.homerouter.webui;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AdminSessionsTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final AdminSessions sessions = new AdminSessions(now::get);

    @Test
    void aFloodOfAnonymousSessionsEvictsTheOldestAnonymousOnesButNoAdmin() {
        AdminSessions.Session admin = sessions.createAdmin("$argon2id$test");
        List<AdminSessions.Session> anonymous = new ArrayList<>();
        for (int i = 0; i < 3 * AdminSessions.MAX_ANONYMOUS; i++) {
            anonymous.add(sessions.createAnonymous("10.0." + (i / 250) + "." + (i % 250)));
        }
        assertNotNull(sessions.find(admin.id), "the logged-in administrator stays");
        int live = 0;
        for (AdminSessions.Session s : anonymous) {
            live += sessions.find(s.id) != null ? 1 : 0;
        }
        org.junit.jupiter.api.Assertions.assertEquals(AdminSessions.MAX_ANONYMOUS, live);
        assertNull(sessions.find(anonymous.getFirst().id), "the oldest went first");
        assertNotNull(sessions.find(anonymous.getLast().id), "the newest is there");
    }

    /**
     * One LAN host asking for the login form without a cookie, in a loop: the admin's login form,
     * opened on another device just before, must still be accepted when the password is sent.
     */
    @Test
    void oneHostFloodingEvictsOnlyItsOwnAnonymousSessions() {
        AdminSessions.Session adminsForm = sessions.createAnonymous("2001:db8:0:1::20");
        for (int i = 0; i < 3 * AdminSessions.MAX_ANONYMOUS; i++) {
            sessions.createAnonymous("192.168.1.66");
        }
        assertNotNull(sessions.find(adminsForm.id), "the admin's login form expired under another host's flood");
        // The LAN's IPv6 hosts share one /64: another host of the admin's /64 is another source.
        for (int i = 0; i < 3 * AdminSessions.MAX_ANONYMOUS; i++) {
            sessions.createAnonymous("2001:db8:0:1::66");
        }
        assertNotNull(sessions.find(adminsForm.id), "nor under a neighbour's in the same /64");
        // A host that takes a new address of its /64 for each request fills the cap in all: its /64 pays.
        for (int i = 0; i < 3 * AdminSessions.MAX_ANONYMOUS; i++) {
            sessions.createAnonymous("2001:db8:0:2::" + Integer.toHexString(i + 1));
        }
        assertNotNull(sessions.find(adminsForm.id), "nor under one host's addresses");
        org.junit.jupiter.api.Assertions.assertTrue(sessions.size() <= AdminSessions.MAX_ANONYMOUS,
                "bounded in all: " + sessions.size());
    }
}
