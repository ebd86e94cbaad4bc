package org.homerouter.appliance;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.CallListener;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.PptpCall;
import org.homerouter.pptp.control.tcp.ControlServer;
import org.homerouter.pptp.control.tcp.NettyTransport;
import org.homerouter.webui.WebServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running appliance: the store and the services built from it, started and stopped together. */
public final class Appliance implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Appliance.class);

    /** Command-line overrides of stored settings (null: use the stored value). */
    public record Overrides(String pptpAddress, Integer pptpPort, Integer uiPort) {
        public static final Overrides NONE = new Overrides(null, null, null);
    }

    private final ApplianceStore store;
    private final NettyTransport transport;
    private final ControlServer pptpServer;
    private final InetSocketAddress pptpAddress;
    private WebServer web;
    private int uiPort;

    private Appliance(ApplianceStore store, NettyTransport transport, ControlServer pptpServer,
                      InetSocketAddress pptpAddress) {
        this.store = store;
        this.transport = transport;
        this.pptpServer = pptpServer;
        this.pptpAddress = pptpAddress;
    }

    public static Appliance start(Path dbFile, Overrides overrides) throws SQLException, IOException, InterruptedException {
        ApplianceStore store = ApplianceStore.open(dbFile);
        LOG.info("configuration: {} (schema version {})", dbFile.toAbsolutePath(), store.schemaVersion());
        Map<Setting, String> cfg = store.settings();
        NettyTransport transport = NettyTransport.create(2, "pptp-io");
        if (NettyTransport.epollUnavailableReason() != null) {
            LOG.info("native epoll unavailable ({}); using NIO", NettyTransport.epollUnavailableReason());
        }
        ControlServer server = null;
        InetSocketAddress bound = null;
        try {
            if (Boolean.parseBoolean(cfg.get(Setting.PPTP_ENABLED))) {
                int maxSessions = Integer.parseInt(cfg.get(Setting.PPTP_MAX_SESSIONS));
                ControlSettings settings = ControlSettings.defaults(cfg.get(Setting.HOST_NAME));
                ControlServer.Options options = new ControlServer.Options(settings,
                        Integer.parseInt(cfg.get(Setting.PPTP_MAX_CONTROL_CONNECTIONS)), Duration.ofSeconds(1),
                        org.homerouter.pptp.Clock.SYSTEM);
                server = new ControlServer(transport, options, new EventLogCalls(store), new CallIdAllocator(maxSessions));
                String address = overrides.pptpAddress() != null ? overrides.pptpAddress() : cfg.get(Setting.PPTP_LISTEN_ADDRESS);
                int port = overrides.pptpPort() != null ? overrides.pptpPort() : Integer.parseInt(cfg.get(Setting.PPTP_PORT));
                bound = server.start(new InetSocketAddress(InetAddress.getByName(address), port));
                store.logEvent("service", "PPTP server listening on " + bound);
            } else {
                LOG.info("PPTP server disabled in the configuration");
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            transport.shutdown(Duration.ofSeconds(1));
            store.close();
            throw e;
        }
        Appliance appliance = new Appliance(store, transport, server, bound);
        try {
            appliance.startWeb(cfg, overrides);
        } catch (IOException e) {
            appliance.close();
            throw e;
        }
        return appliance;
    }

    private void startWeb(Map<Setting, String> cfg, Overrides overrides) throws IOException {
        int port = overrides.uiPort() != null ? overrides.uiPort() : Integer.parseInt(cfg.get(Setting.UI_PORT));
        InetSocketAddress bind = new InetSocketAddress(InetAddress.getByName(cfg.get(Setting.UI_LISTEN_ADDRESS)), port);
        web = new WebServer(bind, new LiveStatus(this, cfg));
        try {
            uiPort = web.start();
        } catch (Exception e) {
            web.close();
            BindException be = new BindException("cannot serve the web UI on " + bind + ": " + e.getMessage());
            be.initCause(e);
            throw be;
        }
    }

    /** The port the web UI listens on. */
    public int uiPort() {
        return uiPort;
    }

    public ApplianceStore store() {
        return store;
    }

    /** Where the PPTP server listens, or null when it is disabled. */
    public InetSocketAddress pptpAddress() {
        return pptpAddress;
    }

    public ControlServer pptpServer() {
        return pptpServer;
    }

    /** Orderly stop: Stop-Control-Connection-Request to every peer, then the event loops and the store. */
    @Override
    public void close() {
        if (web != null) {
            web.close();
        }
        if (pptpServer != null) {
            pptpServer.stop(Duration.ofSeconds(3));
        }
        transport.shutdown(Duration.ofSeconds(2));
        store.logEvent("service", "appliance stopped");
        try {
            store.close();
        } catch (SQLException e) {
            LOG.warn("closing the database: {}", e.toString());
        }
    }

    /** Records calls in the event log; the PPP layer (P2) will attach sessions here. */
    private record EventLogCalls(ApplianceStore store) implements CallListener {
        @Override
        public void callEstablished(PptpCall call) {
            store.logEvent("call", "call " + call.localCallId() + " from " + call.peerAddress().getHostAddress() + " up");
        }

        @Override
        public void callCleared(PptpCall call, String reason) {
            store.logEvent("call", "call " + call.localCallId() + " from " + call.peerAddress().getHostAddress()
                    + " cleared: " + reason);
        }
    }
}
