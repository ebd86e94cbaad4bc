package org.homerouter.appliance;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.appliance.store.VpnUser;
import org.homerouter.webui.api.SettingRefused;
import org.homerouter.webui.api.SystemAdmin;

/** The System page's whole-router operations. */
record ApplianceSystem(Appliance appliance, Path tlsKeyStore) implements SystemAdmin {
    @Override
    public String exportJson(String event) {
        try {
            String json = ConfigDocument.export(appliance.store());
            appliance.store().logEvent("admin", event);
            return json;
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public String exportFileName(java.time.LocalDate day) {
        try {
            // The host name is letters, digits and hyphens (ConfigDocument's rule); a download
            // name must not carry anything else into the header whatever the database holds.
            String host = appliance.store().settings().get(Setting.HOST_NAME).replaceAll("[^A-Za-z0-9-]", "");
            return "homerouter-config-" + (host.isEmpty() ? "" : host + "-") + day + ".json";
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public Imported importJson(String json, String event) {
        ConfigDocument.Parsed doc = ConfigDocument.parse(json);
        List<VpnUser> oldUsers;
        List<String> hungUp = new java.util.ArrayList<>();
        String listenerWaits;
        List<String> weakened;
        java.util.Optional<String> dialOutOff;
        List<String> pageRefuses;
        synchronized (appliance.changeLock()) {
            // Who is on the server now: if the import restarts or stops it, they are all cut off.
            PptpService server = appliance.pptp();
            List<String> onServer = server == null ? List.of() : server.sessions().stream()
                    .filter(s -> s.loggedIn() && s.userName().isPresent()).map(SessionAccounting::who).toList();
            Map<Setting, String> oldSettings;
            ApplianceStore.SavedAccounts oldAccounts;
            Map<String, String> oldRoutedSubnets;
            try {
                oldSettings = appliance.store().settings();
                oldUsers = appliance.store().users();
                oldAccounts = appliance.store().savedAccounts();
                oldRoutedSubnets = appliance.store().allRoutedSubnets();
                checkLan(doc, oldSettings);
                String lanTo = lanMovesTo(doc, oldSettings);
                if (lanTo != null) {
                    // The file first, as the LAN page writes it: written after the import and failing, the
                    // page said "imported" and the restart kept the old LAN.
                    appliance.lan().forTheNextStart(lanTo, ApplianceLan.importNotKept(lanTo));
                }
                try {
                    appliance.store().replaceConfiguration(doc.settings(), doc.users(), doc.routedSubnets(), event);
                } catch (SQLException e) {
                    if (lanTo != null) {
                        appliance.lan().keep(oldSettings.get(Setting.LAN_ADDRESS)); // nothing imported: the old LAN stays
                    }
                    throw e;
                }
            } catch (SQLException e) {
                // In the words the other pages use for a store error: SQLite's own text ("[SQLITE_BUSY]
                // database is locked") told the owner nothing about what to do.
                throw new IllegalArgumentException(StoreFailure.plainWords(e), e);
            }
            try {
                try {
                    listenerWaits = applyPptp(doc.settings());
                } catch (IOException e) {
                    throw new ImportRefused(VpnSettingsMapping.from(doc.settings()), e);
                }
                appliance.web().applyHttps();
            } catch (Exception e) {
                // E.g. its PPTP or HTTPS port is taken: all or nothing, so the previous configuration comes back.
                try {
                    // Row for row: an account re-added would lose where its logins count (the lockout's
                    // exemption where it logged in before) at the next start.
                    appliance.store().restoreConfiguration(oldSettings, oldAccounts,
                            "configuration import undone: " + e.getMessage());
                    appliance.reconfigure();
                    appliance.web().applyHttps();
                } catch (Exception again) {
                    appliance.store().logEvent("service", "restoring the configuration after a failed import: " + again.getMessage());
                }
                throw new IllegalArgumentException("the router cannot run with it: " + e.getMessage());
            }
            if (listenerWaits != null) {
                appliance.store().logEvent("service", listenerWaits);
            }
            Appliance.noteStoredAddressProblems(appliance.store(), doc.settings());
            pageRefuses = Appliance.addressProblems(doc.settings());
            // Already logged where it was left off; the page must not call it applied either.
            dialOutOff = appliance.dialOutNotStarted();
            // Logged once it is in force (a refused import is undone above and weakened nothing). The
            // accounts it lets in too: an old backup brings back deleted accounts and old passwords.
            weakened = WeakerSettings.of(oldSettings, oldUsers, oldRoutedSubnets, doc, appliance.lostSettingsHeld());
            if (!weakened.isEmpty()) {
                appliance.store().logEvent("config", WeakerSettings.sentence(weakened));
            }
            if (server != null && appliance.pptp() != server) {
                String why = appliance.pptp() == null ? ": the VPN server stopped for the imported settings"
                        : ": the VPN server restarted for the imported settings";
                onServer.forEach(who -> hungUp.add(who + why));
            }
        }
        appliance.settingsLostDealtWith();
        hangUpSessionsWithoutAccount("the account was removed or disabled by a configuration import")
                .forEach(who -> hungUp.add(who + ": removed or disabled by the import"));
        hangUpSessionsOfNewPasswords(oldUsers)
                .forEach(who -> hungUp.add(who + ": given another password by the import"));
        // As the VPN page's save: sessions of a login method or an encryption the import no longer allows.
        PptpService pptp = appliance.pptp();
        if (pptp != null) {
            hungUp.addAll(pptp.endSessionsBelowPolicy());
        }
        forgetWhereChangedAccountsLoggedIn(oldUsers);
        return new Imported(List.copyOf(hungUp), java.util.Optional.ofNullable(listenerWaits), weakened, dialOutOff,
                pageRefuses.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(String.join("; ", pageRefuses)));
    }

    /**
     * A LAN the document moves this router to, checked as the LAN page checks it (against the
     * document's own tunnel, routed networks and LAN hosts, and this router's WAN): the router
     * would take it at its next restart, maybe weeks later, and lose the internet or its VPN then.
     */
    private void checkLan(ConfigDocument.Parsed doc, Map<Setting, String> before) {
        String to = lanMovesTo(doc, before);
        if (to == null) {
            return;
        }
        try {
            appliance.lan().check(to, doc.settings(), doc.routedSubnets());
        } catch (org.homerouter.webui.api.SettingRefused e) {
            throw new IllegalArgumentException("its LAN address " + to + " cannot be this router's: " + e.getMessage());
        }
    }

    /** As {@link ApplianceLan#importMovesTo}, where this appliance's LAN is set here. */
    private String lanMovesTo(ConfigDocument.Parsed doc, Map<Setting, String> before) {
        ApplianceLan lan = appliance.lan();
        return ApplianceLan.importMovesTo(doc, before, lan != null && lan.notSettable().isEmpty());
    }

    /**
     * As the Users page does: an account the import removed, disabled or gave another password is no
     * longer spared a lockout where it logged in before (who logged in there may have held the old,
     * leaked password).
     */
    private void forgetWhereChangedAccountsLoggedIn(List<VpnUser> before) {
        for (VpnUser old : before) {
            var now = account(old.name());
            if (now.isEmpty() || !now.get().enabled() || !java.util.Arrays.equals(old.ntHash(), now.get().ntHash())) {
                appliance.vpnLockout().accountChanged(old.name());
            }
        }
    }

    /**
     * Hangs up the sessions whose account the import gave another password, as the Users page does
     * when a password is changed: a backup is restored after a compromise, as often as not, and the
     * session of a leaked password would otherwise stay up for as long as its client likes.
     */
    private List<String> hangUpSessionsOfNewPasswords(List<VpnUser> before) {
        Map<String, byte[]> oldHashes = new java.util.HashMap<>();
        before.forEach(u -> oldHashes.put(u.name(), u.ntHash()));
        return hangUpWhere(user -> {
            byte[] old = oldHashes.get(user);
            var now = old == null ? java.util.Optional.<VpnUser>empty() : account(user); // new, or hung up above
            return now.isPresent() && now.get().enabled() && !java.util.Arrays.equals(old, now.get().ntHash());
        }, "its password was changed by a configuration import");
    }

    /**
     * Applies the imported settings to the PPTP server (and what follows it). A listen address this
     * router does not have now does not undo the import: the WAN address the owner chose is missing
     * with the cable out, after a new DHCP lease, or on a replacement box, and the owner's own backup
     * must restore there. The listener is then tried again until the address comes (as at start:
     * {@link Appliance#reconfigure} schedules it) and the Dashboard says why the server is down.
     *
     * @return the event saying the server waits for its address, or null when it runs as imported
     */
    private String applyPptp(Map<Setting, String> settings) throws IOException {
        try {
            appliance.reconfigure();
            return null;
        } catch (IOException e) {
            if (!ApplianceVpnConfig.addressNotHere(e)) {
                throw e;
            }
            appliance.waitForStoredListener();
            return "the VPN server cannot listen on " + settings.get(Setting.PPTP_LISTEN_ADDRESS)
                    + " (pptp.listen_address of the imported configuration): this router does not have that address"
                    + " now. The configuration is kept, and the server starts once the address is there; if it will"
                    + " not come back, change the listen address on the VPN server page (0.0.0.0: all of them)";
        }
    }

    /** A listener failure, worded as the VPN page words it, with the field named as the document names it. */
    private static final class ImportRefused extends Exception {
        ImportRefused(org.homerouter.webui.api.VpnSettings settings, IOException e) {
            super(ApplianceVpnConfig.refusal(settings, e) instanceof SettingRefused f
                    ? "pptp." + f.field() + ": " + f.getMessage() : e.getMessage(), e);
        }
    }

    @Override
    public void factoryReset() {
        // Before the reset, not after it: each session's end writes its user, client address and
        // times, which after it were the first lines of the next owner's event log.
        hangUpEveryoneAndRecord("the router was reset to factory settings");
        synchronized (appliance.changeLock()) {
            try {
                appliance.store().factoryReset();
                // The names strangers typed, their addresses and where the old accounts logged in
                // from: the Lockouts page showed them to the next owner until a restart.
                appliance.vpnLockout().forgetAll();
                StorageReserve.keep(appliance.store().file().toAbsolutePath().getParent()); // room again, after a full partition
                appliance.settingsLostDealtWith();
                Appliance.ensureLocalSecrets(appliance.store());
                appliance.forgetTlsKey(tlsKeyStore);
                try {
                    appliance.reconfigure();
                } catch (IOException e) {
                    // Reset all the same: setup comes next, and the dashboard says why the server
                    // is not running (the default port taken, say) and what to change.
                    appliance.waitForStoredListener();
                    appliance.store().logEvent("service", "after the factory reset the PPTP server could not start: "
                            + e.getMessage());
                }
            } catch (SQLException e) {
                throw new StoreFailure(e);
            }
        }
        // One that logged in while the reset waited (its account was still there): none is left now.
        hangUpSessionsWithoutAccount("the router was reset to factory settings");
    }

    /** How long a reset waits for its sessions' Terminate-Acks before ending the rest without a word. */
    static final java.time.Duration RESET_HANG_UP_WAIT = java.time.Duration.ofSeconds(2);

    /**
     * Hangs up every session, logged in or not, and waits (boundedly) until their ends are written,
     * so that nothing of them reaches the store after it is reset. Outside the change lock, as
     * hanging up takes each session's lock.
     */
    private void hangUpEveryoneAndRecord(String why) {
        PptpService pptp = appliance.pptp();
        try {
            if (pptp != null) {
                List<org.homerouter.pptp.session.PppSession> open = pptp.sessions();
                open.forEach(s -> s.close(why));
                long deadline = System.nanoTime() + RESET_HANG_UP_WAIT.toNanos();
                while (open.stream().anyMatch(s -> !s.hasEnded()) && System.nanoTime() - deadline < 0) {
                    Thread.sleep(10);
                }
                // A client that does not answer its Terminate-Request: its call is cleared all the same.
                // Every session, not only those not ended: taking an ended one's lock waits until its
                // end (which sets "ended" before it tells the accounting) has been handed over, so the
                // flush below writes it before the reset, not after it.
                open.forEach(s -> s.endSilently(org.homerouter.pptp.session.SessionEnd.HUNG_UP, why));
            }
            appliance.accounting().flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Hangs up the sessions whose account is gone or disabled now: accounts are checked only at
     * login, so a reset or an import (after a compromised password, say) would otherwise leave them
     * connected for as long as they like. Called after the change, outside the change lock, as
     * hanging up takes each session's lock.
     *
     * @return who was hung up, "alice (192.0.2.7)" each
     */
    private List<String> hangUpSessionsWithoutAccount(String why) {
        return hangUpWhere(user -> account(user).filter(VpnUser::enabled).isEmpty(), why);
    }

    /** Hangs up, and logs, the logged-in sessions whose user {@code ends} picks; who was hung up. */
    private List<String> hangUpWhere(java.util.function.Predicate<String> ends, String why) {
        List<String> hungUp = new java.util.ArrayList<>();
        PptpService pptp = appliance.pptp();
        if (pptp == null) {
            return hungUp;
        }
        for (org.homerouter.pptp.session.PppSession s : pptp.sessions()) {
            String user = s.userName().orElse(null);
            // A session still logging in has its login checked against the new accounts.
            if (user != null && ends.test(user)) {
                s.close(why);
                appliance.store().logEvent("admin", "disconnected " + user + ": " + why);
                hungUp.add(SessionAccounting.who(s));
            }
        }
        return hungUp;
    }

    private java.util.Optional<VpnUser> account(String user) {
        try {
            return appliance.store().user(user);
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public boolean httpsEnabled() {
        return Boolean.parseBoolean(setting(Setting.UI_HTTPS));
    }

    @Override
    public int httpsPort() {
        return Integer.parseInt(setting(Setting.UI_HTTPS_PORT));
    }

    @Override
    public void setHttps(boolean enabled, int port, String event) {
        synchronized (appliance.changeLock()) {
            try {
                appliance.store().putSettings(Map.of(Setting.UI_HTTPS, String.valueOf(enabled),
                        Setting.UI_HTTPS_PORT, String.valueOf(port)), event);
            } catch (SQLException e) {
                throw new StoreFailure(e);
            }
        }
    }

    @Override
    public boolean clockNotSynchronized() {
        return !org.homerouter.bridge.ClockState.synchronizedByTimeServer().orElse(true);
    }

    @Override
    public java.util.Optional<String> storageFull() {
        if (appliance.store().readOnly()) {
            return java.util.Optional.of(org.homerouter.appliance.store.ReadOnlyStorage.SENTENCE);
        }
        return StorageReserve.warning(appliance.store().file().toAbsolutePath().getParent());
    }

    @Override
    public java.util.Optional<String> settingsLost() {
        return appliance.settingsLost();
    }

    @Override
    public java.util.Optional<String> adminPasswordReset() {
        return appliance.adminPasswordReset();
    }

    @Override
    public java.util.Optional<String> adminPasswordCommand() {
        return AdminCommand.resetCommand(AdminCommand.class.getProtectionDomain().getCodeSource().getLocation(),
                appliance.store().file().toAbsolutePath().getParent(), "root".equals(System.getProperty("user.name"))
                        && java.nio.file.Files.isExecutable(Path.of("/usr/bin/sudo")));
    }

    @Override
    public java.util.Optional<String> setupRefusedFrom(String clientAddress) {
        return appliance.setupRefusedFrom(clientAddress);
    }

    @Override
    public String metricsToken() {
        return setting(Setting.METRICS_TOKEN);
    }

    private String setting(Setting s) {
        try {
            return appliance.store().settings().get(s);
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }
}
