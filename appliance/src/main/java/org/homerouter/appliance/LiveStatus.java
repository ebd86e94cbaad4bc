package org.homerouter.appliance;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.homerouter.appliance.store.Setting;
import org.homerouter.pptp.control.ControlConnection;
import org.homerouter.webui.StatusSource;

/** The UI's view of the running appliance, built on each request from live state and the store. */
final class LiveStatus implements StatusSource {
    private final Appliance appliance;
    private final Map<Setting, String> config;

    LiveStatus(Appliance appliance, Map<Setting, String> config) {
        this.appliance = appliance;
        this.config = config;
    }

    @Override
    public Status status() {
        List<ControlConnectionRow> rows = appliance.pptpServer() == null ? List.of()
                : appliance.pptpServer().connections().stream().map(LiveStatus::row).toList();
        List<String> events;
        try {
            events = appliance.store().recentEvents(20);
        } catch (SQLException e) {
            events = List.of("(event log unreadable: " + e.getMessage() + ")");
        }
        String listen = appliance.pptpAddress() == null ? ""
                : appliance.pptpAddress().getAddress().getHostAddress() + ":" + appliance.pptpAddress().getPort();
        return new Status(Version.current(), appliance.pptpAddress() != null, listen,
                Integer.parseInt(config.get(Setting.PPTP_MAX_SESSIONS)), rows, events);
    }

    private static ControlConnectionRow row(ControlConnection c) {
        return new ControlConnectionRow(String.valueOf(c.remoteAddress()), c.phase().name(),
                c.calls().stream().map(k -> new CallRow(k.localCallId(), k.peerCallId(), k.state().name())).toList());
    }
}
