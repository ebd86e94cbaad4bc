package org.homerouter.appliance;

import java.sql.SQLException;
import java.util.List;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.webui.api.EventLog;

/** The UI's view of the {@code event_log} table. */
record StoreEventLog(ApplianceStore store) implements EventLog {
    @Override
    public void log(String kind, String message) {
        store.logEvent(kind, message);
    }

    @Override
    public List<Event> recent(int limit, String kind) {
        try {
            return store.events(limit, kind).stream().map(e -> new Event(e.atMs(), e.kind(), e.message())).toList();
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }
}
