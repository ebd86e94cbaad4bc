package org.homerouter.webui.api;

import java.util.List;

/** The appliance's event log (admin logins, auth failures, connects, disconnects, config changes). */
public interface EventLog {
    void log(String kind, String message);

    /** Newest first; {@code kind} null for all. */
    List<Event> recent(int limit, String kind);

    record Event(long atMs, String kind, String message) {
    }
}
