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
import org.homerouter.pptp.control.tcp.ControlServer;
import org.homerouter.pptp.control.tcp.NettyTransport;
import org.homerouter.webui.WebServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running appliance: the store and the services built from it, started and stopped together. */
public final class Appliance implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Appliance.class);

    /** Command-line overrides of stored settings (null: use the stored value). */
    public record Overrides(String pptpAddress, Integer pptpPort, Integer uiPort, String uiAddress) {
        public static final Overrides NONE = new Overrides(null, null, null, null);

        public Overrides(String pptpAddress, Integer pptpPort, Integer uiPort) {
            this(pptpAddress, pptpPort, uiPort, null);
        }
    }

    private final ApplianceStore store;
    private final NettyTransport transport;
    private final PptpService pptp;
    private final DataPlane dataPlane;
    private WebServer web;
    private int uiPort;

    private Appliance(ApplianceStore store, NettyTransport transport, PptpService pptp, DataPlane dataPlane) {
        this.store = store;
        this.transport = transport;
        this.pptp = pptp;
        this.dataPlane = dataPlane;
    }

    /** Starts everything on this machine's Linux data plane (or without one, saying why). */
    public static Appliance start(Path dbFile, Overrides overrides) throws SQLException, IOException, InterruptedException {
        return start(dbFile, overrides, LinuxDataPlane.open(true));
    }

    /** Starts everything with the given data plane; tests pass in-memory or unavailable ones. */
    public static Appliance start(Path dbFile, Overrides overrides, DataPlane dataPlane)
            throws SQLException, IOException, InterruptedException {
        ApplianceStore store = ApplianceStore.open(dbFile);
        LOG.info("configuration: {} (schema version {})", dbFile.toAbsolutePath(), store.schemaVersion());
        Map<Setting, String> cfg = store.settings();
        NettyTransport transport = NettyTransport.create(2, "pptp-io");
        if (NettyTransport.epollUnavailableReason() != null) {
            LOG.info("native epoll unavailable ({}); using NIO", NettyTransport.epollUnavailableReason());
        }
        PptpService pptp = null;
        try {
            if (Boolean.parseBoolean(cfg.get(Setting.PPTP_ENABLED))) {
                String address = overrides.pptpAddress() != null ? overrides.pptpAddress() : cfg.get(Setting.PPTP_LISTEN_ADDRESS);
                int port = overrides.pptpPort() != null ? overrides.pptpPort() : Integer.parseInt(cfg.get(Setting.PPTP_PORT));
                pptp = PptpService.start(cfg, store, transport, dataPlane,
                        new InetSocketAddress(InetAddress.getByName(address), port));
                store.logEvent("service", "PPTP server listening on " + pptp.address());
            } else {
                LOG.info("PPTP server disabled in the configuration");
            }
        } catch (IOException | InterruptedException | SQLException | RuntimeException e) {
            transport.shutdown(Duration.ofSeconds(1));
            dataPlane.close();
            store.close();
            throw e;
        } catch (Exception e) {
            transport.shutdown(Duration.ofSeconds(1));
            dataPlane.close();
            store.close();
            throw new IOException(e.getMessage(), e);
        }
        Appliance appliance = new Appliance(store, transport, pptp, dataPlane);
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
        String address = overrides.uiAddress() != null ? overrides.uiAddress() : cfg.get(Setting.UI_LISTEN_ADDRESS);
        InetSocketAddress bind = new InetSocketAddress(InetAddress.getByName(address), port);
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
        return pptp == null ? null : pptp.address();
    }

    public ControlServer pptpServer() {
        return pptp == null ? null : pptp.control();
    }

    /** The live PPP sessions. */
    public java.util.List<org.homerouter.pptp.session.PppSession> sessions() {
        return pptp == null ? java.util.List.of() : pptp.sessions();
    }

    /** Orderly stop: Stop-Control-Connection-Request to every peer, then the event loops and the store. */
    @Override
    public void close() {
        if (web != null) {
            web.close();
        }
        if (pptp != null) {
            pptp.close();
        }
        transport.shutdown(Duration.ofSeconds(2));
        dataPlane.close();
        store.logEvent("service", "appliance stopped");
        try {
            store.close();
        } catch (SQLException e) {
            LOG.warn("closing the database: {}", e.toString());
        }
    }
}
