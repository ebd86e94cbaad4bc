package org.homerouter.webui.api;

/** Whole-configuration operations of the System page. */
public interface SystemAdmin {
    /**
     * Settings and users (secrets as hashes) as JSON; never the admin password hash. The hashes
     * open the accounts, so each export is logged ({@code event}).
     */
    String exportJson(String event);

    /**
     * The name an export is offered under: which router and which day
     * ("homerouter-config-office-2026-12-05.json"), so an owner with backups of several routers, or
     * of one over the years, can tell them apart (the document itself holds no date).
     *
     * @param day the day of the export, in the owner's own time zone where the browser said it
     */
    String exportFileName(java.time.LocalDate day);

    /**
     * Replaces settings and users with the document's, in one transaction, then applies them.
     *
     * @throws IllegalArgumentException with a message for the user when the document is unusable, or
     *                                  the router cannot run with it (its port is taken...): the
     *                                  previous configuration is then back in force
     */
    Imported importJson(String json, String event);

    /**
     * What an import did besides replacing the configuration, for the page to tell the owner: it
     * cuts people off without asking, so the page names them afterwards.
     *
     * @param hungUp      the VPN sessions it ended, "alice (192.0.2.7): why" each (removed, disabled
     *                    or given another password by it; the server restarted for it)
     * @param serverWaits why the VPN server does not run with it yet (the listen address it names
     *                    is missing on this router now): the configuration is kept all the same
     * @param weakened    the security settings it made weaker than they were before, and the VPN
     *                    users it let dial in who could not before (added, enabled again, another
     *                    password), each a phrase ("PAP logins are now allowed", "VPN user bob
     *                    added"); empty when none: the import restores what the file says, and a
     *                    tampered or old backup must not weaken them, nor bring back a deleted
     *                    account or an old password, unsaid
     * @param dialOutOff  why the site-to-site tunnel it switches on was left off (a routed network
     *                    overlapping the LAN, no password): kept, but the tunnel does not dial, and
     *                    the owner moving to a new box must not read "applied"
     * @param pageRefuses what the VPN server page would refuse in the settings it restored (a public
     *                    tunnel network, a loopback DNS server: rules newer than some backups), which
     *                    the server runs with: said, not the green "applied"
     */
    record Imported(java.util.List<String> hungUp, java.util.Optional<String> serverWaits,
                    java.util.List<String> weakened, java.util.Optional<String> dialOutOff,
                    java.util.Optional<String> pageRefuses) {
        /** With nothing the VPN page refuses. */
        public Imported(java.util.List<String> hungUp, java.util.Optional<String> serverWaits,
                        java.util.List<String> weakened, java.util.Optional<String> dialOutOff) {
            this(hungUp, serverWaits, weakened, dialOutOff, java.util.Optional.empty());
        }

        /** With the tunnel as the file wants it (or off). */
        public Imported(java.util.List<String> hungUp, java.util.Optional<String> serverWaits,
                        java.util.List<String> weakened) {
            this(hungUp, serverWaits, weakened, java.util.Optional.empty());
        }
    }

    /** Back to a fresh router: default settings, no users, no admin password, empty history. */
    void factoryReset();

    boolean httpsEnabled();

    int httpsPort();

    /** Stores the HTTPS choice and port, in one change (the web server applies them). */
    void setHttps(boolean enabled, int port, String event);

    /**
     * True while the router's clock is not synchronized with a time server (not yet since boot,
     * or not for hours): a router without a battery-backed clock then shows stale times, and the
     * pages say so.
     */
    boolean clockNotSynchronized();

    /**
     * What every admin page says while the router's data partition is full or nearly (nothing is
     * recorded then, and saves fail), and how to free it; else empty.
     */
    java.util.Optional<String> storageFull();

    /**
     * Why this router started on factory settings, when it had to (its settings database or its
     * data partition was damaged beyond use), until a configuration is imported or the router reset:
     * first-run setup, the only page the owner can then reach, says so and asks for the last export.
     */
    java.util.Optional<String> settingsLost();

    /**
     * Why this router has no admin password although it had one, when its owner reset it at the
     * router (switched on and off five times in a row: the image's reset, see image/README.md),
     * until a new one is chosen: first-run setup says so, and that the settings and users are kept.
     */
    java.util.Optional<String> adminPasswordReset();

    /**
     * The command that sets a new admin password on the command line of the machine this service
     * runs on, as the owner would type it there; empty on the router image, which has no login
     * (its owner resets the password at the router instead).
     */
    java.util.Optional<String> adminPasswordCommand();

    /**
     * Why first-run setup is not served to {@code clientAddress} now, else empty: after the reset at
     * the router, only the router's own LAN chooses the new admin password (the VPN users, kept,
     * reach the UI through their tunnels).
     */
    java.util.Optional<String> setupRefusedFrom(String clientAddress);

    /** The bearer token a Prometheus scraper sends to /metrics. */
    String metricsToken();
}
