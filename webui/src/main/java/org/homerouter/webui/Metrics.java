package org.homerouter.webui;

import java.util.List;
import org.homerouter.webui.api.LiveSessions;

/** The Prometheus text exposition format (version 0.0.4) of what the appliance counts. */
final class Metrics {
    private Metrics() {
    }

    static String render(LiveSessions.ServerState state, LiveSessions.Totals t, List<LiveSessions.ActiveSession> active,
                         int passthroughCalls) {
        StringBuilder out = new StringBuilder();
        gauge(out, "homerouter_pptp_server_up", "1 when the PPTP server is listening", state.running() ? 1 : 0);
        gauge(out, "homerouter_pptp_sessions", "PPTP sessions connected now (all phases)", t.sessions());
        counter(out, "homerouter_pptp_sessions_total", "PPTP sessions started since the appliance started", t.sessionsTotal());
        counter(out, "homerouter_pptp_received_bytes_total", "IP bytes received from VPN clients", t.bytesIn());
        counter(out, "homerouter_pptp_sent_bytes_total", "IP bytes sent to VPN clients", t.bytesOut());
        counter(out, "homerouter_pptp_auth_failures_total", "failed VPN logins since the appliance started", t.authFailures());
        gauge(out, "homerouter_passthrough_calls", "PPTP calls the passthrough ALG tracks now", passthroughCalls);
        out.append("# HELP homerouter_pptp_session_bytes IP bytes of each connected session\n");
        out.append("# TYPE homerouter_pptp_session_bytes gauge\n");
        for (LiveSessions.ActiveSession s : active) {
            String labels = "user=\"" + escape(s.user()) + "\",call=\"" + s.callId() + "\"";
            out.append("homerouter_pptp_session_bytes{").append(labels).append(",direction=\"in\"} ").append(s.bytesIn()).append('\n');
            out.append("homerouter_pptp_session_bytes{").append(labels).append(",direction=\"out\"} ").append(s.bytesOut()).append('\n');
        }
        return out.toString();
    }

    private static void gauge(StringBuilder out, String name, String help, long v) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n").append(name).append(' ').append(v).append('\n');
    }

    private static void counter(StringBuilder out, String name, String help, long v) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" counter\n").append(name).append(' ').append(v).append('\n');
    }

    /** Label values: backslash, quote and newline escaped (exposition format). */
    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
