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
            anonymous.add(sessions.createAnonymous());
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
}
