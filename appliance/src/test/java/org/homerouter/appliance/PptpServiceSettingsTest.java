package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.homerouter.appliance.store.Setting;
import org.homerouter.pptp.auth.AuthMethod;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.mppe.MppeStrength;
import org.homerouter.pptp.ppp.ccp.CcpResult;
import org.homerouter.pptp.session.SessionSettings;
import org.junit.jupiter.api.Test;

/** Stored settings as the PPTP server applies them. */
class PptpServiceSettingsTest {
    private static Map<Setting, String> defaults() {
        Map<Setting, String> cfg = new EnumMap<>(Setting.class);
        for (Setting s : Setting.values()) {
            cfg.put(s, s.defaultValue());
        }
        return cfg;
    }

    /**
     * With the site-to-site tunnel carrying everything, VPN clients are offered this router's own
     * tunnel-side address for DNS, whose queries the base firewall sends through the tunnel: the
     * router's own servers (the WAN's, the modem on its subnet) took their names out in clear.
     */
    @Test
    void underEverythingThroughTheTunnelClientsAskTheRouterNotItsWanServers() throws Exception {
        java.net.Inet4Address modem = (java.net.Inet4Address) java.net.InetAddress.getByName("192.168.0.1");
        java.util.concurrent.atomic.AtomicBoolean everything = new java.util.concurrent.atomic.AtomicBoolean();
        var offered = PptpService.offeredToClients(everything::get, "192.168.250.1", () -> java.util.List.of(modem));
        assertEquals(java.util.List.of(modem), offered.get(), "no tunnel, or one for the office's networks only");
        everything.set(true);
        assertEquals(java.util.List.of(java.net.InetAddress.getByName("192.168.250.1")), offered.get(),
                "everything through the tunnel: this router, on the clients' side");
        everything.set(false);
        assertEquals(java.util.List.of(modem), offered.get(), "read at each session: the tunnel's setting off again");
    }

    @Test
    void loginLimitsComeFromTheSettingsWithHalfPerSourceAddress() {
        Map<Setting, String> cfg = defaults();
        cfg.put(Setting.PPTP_MAX_LOGGING_IN, "16");
        cfg.put(Setting.PPTP_MAX_SESSIONS_PER_USER, "3");
        var limits = PptpService.limits(cfg);
        assertEquals(16, limits.maxLoggingIn());
        assertEquals(3, limits.maxPerUser());
        assertEquals(8, limits.maxLoggingInPerSource(), "one address never takes every login slot");
        cfg.put(Setting.PPTP_MAX_LOGGING_IN, "1");
        assertEquals(1, PptpService.limits(cfg).maxLoggingInPerSource(), "a limit of one still lets a login through");
    }

    /**
     * What a connected session is judged by after a change: the login methods and encryption the
     * settings allow now. Stronger encryption than asked for, or some where none is, meets them.
     */
    @Test
    void aConnectedSessionIsJudgedByTheLoginMethodsAndEncryptionAllowedNow() {
        Map<Setting, String> cfg = defaults(); // MS-CHAPv2 only, 128-bit required
        var mschap = java.util.Optional.of(AuthMethod.MSCHAP_V2);
        var bits128 = java.util.Optional.of(new CcpResult(MppeStrength.BITS_128, true));
        var bits40 = java.util.Optional.of(new CcpResult(MppeStrength.BITS_40, true));
        var policy = PptpService.Policy.of(cfg);
        assertEquals(java.util.Optional.empty(), policy.unmetBy(mschap, bits128));
        assertEquals(java.util.Optional.of("encryption is now required"), policy.unmetBy(mschap, java.util.Optional.empty()));
        assertEquals(java.util.Optional.of("40-bit encryption is no longer allowed"), policy.unmetBy(mschap, bits40));
        assertEquals(java.util.Optional.of("PAP logins are no longer allowed and encryption is now required"),
                policy.unmetBy(java.util.Optional.of(AuthMethod.PAP), java.util.Optional.empty()));
        cfg.put(Setting.PPTP_MPPE, "none");
        assertEquals(java.util.Optional.empty(), PptpService.Policy.of(cfg).unmetBy(mschap, bits40));
        cfg.put(Setting.PPTP_MPPE, "optional");
        assertEquals(java.util.Optional.empty(), PptpService.Policy.of(cfg).unmetBy(mschap, java.util.Optional.empty()));
        var statelessOnly = new PptpService.Policy(java.util.List.of(AuthMethod.MSCHAP_V2), java.util.Optional.of(
                new MppePolicy(java.util.EnumSet.of(MppeStrength.BITS_128), true, false)));
        assertEquals(java.util.Optional.of("stateful encryption is no longer allowed"), statelessOnly.unmetBy(mschap,
                java.util.Optional.of(new CcpResult(MppeStrength.BITS_128, false))));
    }

    @Test
    void lcpKeepaliveComesFromTheSettings() throws Exception {
        SessionSettings stock = PptpService.serverSettings(defaults());
        assertEquals(Duration.ofSeconds(20), stock.lcp().echoInterval());
        assertEquals(3, stock.lcp().echoFailures());

        Map<Setting, String> cfg = defaults();
        cfg.put(Setting.PPTP_LCP_ECHO_INTERVAL, "1");
        cfg.put(Setting.PPTP_LCP_ECHO_FAILURES, "2");
        SessionSettings quick = PptpService.serverSettings(cfg);
        assertEquals(Duration.ofSeconds(1), quick.lcp().echoInterval());
        assertEquals(2, quick.lcp().echoFailures());

        cfg.put(Setting.PPTP_LCP_ECHO_INTERVAL, "-5");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PptpService.serverSettings(cfg));
        assertTrue(e.getMessage().contains("pptp.lcp_echo_interval"), e.getMessage());
    }

    /**
     * PAP and CHAP-MD5 give no encryption keys: with encryption required, offering them only let a
     * client (or an attacker's forged Configure-Nak) send its password before the login was refused.
     */
    @Test
    void withEncryptionRequiredOnlyMsChapV2IsOfferedWhateverElseIsStored() throws Exception {
        Map<Setting, String> cfg = defaults();
        cfg.put(Setting.PPTP_AUTH_METHODS, "mschapv2,chap-md5,pap");
        for (String required : java.util.List.of("require-128", "require-128-stateful", "require-any")) {
            cfg.put(Setting.PPTP_MPPE, required);
            SessionSettings s = PptpService.serverSettings(cfg);
            assertEquals(java.util.List.of(AuthMethod.MSCHAP_V2), s.lcp().authenticatePeerWith(), required);
            assertEquals(java.util.List.of(AuthMethod.MSCHAP_V2), s.auth().methods(), required);
        }
        cfg.put(Setting.PPTP_MPPE, "optional");
        assertEquals(java.util.List.of(AuthMethod.MSCHAP_V2, AuthMethod.CHAP_MD5, AuthMethod.PAP),
                PptpService.serverSettings(cfg).lcp().authenticatePeerWith(), "optional: as allowed");
        cfg.put(Setting.PPTP_AUTH_METHODS, "pap");
        cfg.put(Setting.PPTP_MPPE, "require-128");
        assertEquals(java.util.List.of(AuthMethod.PAP), PptpService.serverSettings(cfg).lcp().authenticatePeerWith(),
                "without MS-CHAPv2 nothing works either way: the setting stands, the sessions say why they fail");
    }

    @Test
    void mppeCanPreferStatefulMode() {
        MppePolicy stock = PptpService.mppePolicy("require-128").orElseThrow();
        assertTrue(stock.required() && stock.statefulAllowed() && !stock.statefulPreferred());
        MppePolicy stateful = PptpService.mppePolicy("require-128-stateful").orElseThrow();
        assertTrue(stateful.required() && stateful.statefulPreferred());
        assertEquals(stock.allowedStrengths(), stateful.allowedStrengths());
        assertFalse(PptpService.mppePolicy("none").isPresent());
    }

    /**
     * While the pool is full every call request asks for the users' static addresses, and a flood
     * of requests (no login comes first) must not be a flood of database reads.
     */
    @Test
    void staticAddressesAreReadOnceForAFloodOfCallRequests() {
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        java.util.function.Supplier<java.util.List<String>> cached = PptpService.readAtMostEvery(Duration.ofSeconds(10),
                () -> java.util.List.of("read " + reads.incrementAndGet()));
        for (int i = 0; i < 1000; i++) {
            assertEquals(java.util.List.of("read 1"), cached.get());
        }
        assertEquals(1, reads.get());
        java.util.function.Supplier<java.util.List<String>> fresh = PptpService.readAtMostEvery(Duration.ZERO,
                () -> java.util.List.of("read " + reads.incrementAndGet()));
        fresh.get();
        assertEquals(java.util.List.of("read 3"), fresh.get(), "asked again once the interval has passed");
    }
}
