package org.homerouter.webui;

import java.util.Map;
import org.eclipse.jetty.http.HttpStatus;
import org.homerouter.webui.api.Backend;
import org.homerouter.webui.api.LanSettings;

/** The System page's firmware section: installing an update, and the restart that starts it (the LAN page's too). */
final class FirmwarePages {
    private final Backend b;

    FirmwarePages(Backend backend) {
        this.b = backend;
    }

    /** After the last byte the installer still writes and reads back the slot: it may say nothing for a minute. */
    static final java.time.Duration INSTALL_IDLE = java.time.Duration.ofMinutes(5);

    /**
     * Where a refusal lands: the page's top, not {@code #firmware}. A page reached at a fragment skips
     * {@code autofocus} (HTML's "flag autofocus candidates"), so the warning at the top of the page, three
     * cards above the section, was neither in view nor read out: the owner saw an empty file picker.
     */
    static final String REFUSED = "/system";

    Reply installFirmware(Exchange x) throws Exception {
        org.homerouter.webui.api.Firmware firmware = b.firmware();
        java.util.Optional<String> not = firmware.notUpdatable();
        if (not.isPresent()) {
            x.session.warn("Nothing was installed. " + not.get());
            return new Reply.Redirect(REFUSED);
        }
        org.eclipse.jetty.io.EndPoint endPoint = x.request.getConnectionMetaData().getConnection().getEndPoint();
        long idle = endPoint.getIdleTimeout();
        endPoint.setIdleTimeout(INSTALL_IDLE.toMillis());
        BundleUpload.Result r;
        try {
            r = BundleUpload.receive(x.request, firmware, x.clientAddress);
        } finally {
            endPoint.setIdleTimeout(idle); // the connection's next request is any other's
        }
        if (r.refused() != null) {
            x.session.warn("Nothing was installed. " + r.refused());
        } else if (r.outcome().installed()) {
            String version = firmware.waitingForRestart().orElse("The new firmware");
            x.session.flash("Installed: " + version + " starts when the router restarts (below). Until then it runs "
                    + firmware.version() + ".");
        } else {
            x.session.warn("The update was not installed, and the router runs on as it was: "
                    + installerWords(r.outcome().said()));
        }
        // Installed: the section's own "waiting" block says so where the page lands.
        return new Reply.Redirect(r.refused() == null && r.outcome().installed() ? "/system#firmware" : REFUSED);
    }

    /** The installer's lines as one paragraph, without the program's name before each. */
    static String installerWords(String said) {
        return said.lines().map(l -> l.replaceFirst("^homerouter-update: ", "").strip()).filter(l -> !l.isEmpty())
                .reduce((a, c) -> a + " " + c).orElse("it gave no reason");
    }

    Reply restartRouter(Exchange x) {
        org.homerouter.webui.api.Firmware firmware = b.firmware();
        // Back where the button was (the LAN page's, or the System page's firmware section).
        String back = "lan".equals(x.form().get("from")) ? "/lan" : REFUSED;
        java.util.Optional<String> not = firmware.notUpdatable();
        if (not.isPresent()) {
            x.session.warn("The router was not restarted. " + not.get());
            return new Reply.Redirect(back);
        }
        String starting = firmware.waitingForRestart().orElse("");
        try {
            firmware.restart(x.clientAddress);
        } catch (java.io.IOException | RuntimeException e) {
            x.session.warn("The router was not restarted: " + e.getMessage());
            return new Reply.Redirect(back);
        }
        Map<String, Object> m = x.model("system");
        m.put("starting", starting);
        m.put("running", firmware.version());
        // The page is at the LAN's old address: say where the UI is after the restart.
        LanSettings lan = b.lan();
        if (!lan.inEffect()) {
            int port = org.eclipse.jetty.server.Request.getServerPort(x.request);
            String scheme = x.secure() ? "https" : "http";
            boolean usual = x.secure() ? port == 443 : port == 80;
            m.put("lanMoving", lan.address());
            m.put("lanMovingUrl", scheme + "://" + lan.address() + (usual ? "" : ":" + port) + "/");
        }
        return new Reply.Page(HttpStatus.OK_200, "restarting.ftlh", m);
    }
}
