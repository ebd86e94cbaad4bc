package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A CHAP secret is the password itself. The VPN page deletes the stored ones when CHAP-MD5 is
 * switched off; an import must not bring them back into a configuration that does not allow it.
 */
class ConfigDocumentTest {
    private static String document(String authMethods) {
        return """
                {"format": "homerouter-config", "version": 1,
                 "settings": {"pptp.auth_methods": "%s"},
                 "users": [{"name": "carol", "nt_hash": "0123456789abcdef0123456789abcdef",
                            "chap_secret": "6361726f6c2070617373776f7264", "enabled": true}]}
                """.formatted(authMethods);
    }

    @Test
    void aRefusedImportNamesTheFieldAsTheVpnPageShowsIt() {
        // A backup restored onto a router whose LAN is the default tunnel network.
        var lan = new org.homerouter.webui.api.Subnet("eth0", org.homerouter.webui.api.Ipv4.parse("192.168.250.0"), 24);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ConfigDocument.parse(document("mschapv2"), List.of(lan)));
        assertTrue(e.getMessage().contains("\"Router's tunnel address\": ") && !e.getMessage().contains("local_address"),
                e.getMessage());
    }

    @Test
    void anImportWithoutChapMd5KeepsNoChapSecret() {
        var parsed = ConfigDocument.parse(document("mschapv2"), List.of());
        assertTrue(parsed.users().getFirst().chapSecret().isEmpty(), "the password in clear was kept");
    }

    @Test
    void anImportThatAllowsChapMd5KeepsItsSecrets() {
        var parsed = ConfigDocument.parse(document("mschapv2,chap-md5"), List.of());
        assertEquals("carol password", new String(parsed.users().getFirst().chapSecret().orElseThrow(),
                java.nio.charset.StandardCharsets.UTF_8));
    }

    /** A backup of a router that dials its office by a dynamic-DNS name restores; a mistyped address does not. */
    @Test
    void theDialOutServerMayBeADnsName() {
        String doc = """
                {"format": "homerouter-config", "version": 1, "settings": {"dialout.server": "%s"}, "users": []}
                """;
        var parsed = ConfigDocument.parse(doc.formatted("office.example.com"), List.of());
        assertEquals("office.example.com",
                parsed.settings().get(org.homerouter.appliance.store.Setting.DIALOUT_SERVER));
        assertTrue(refusal(doc.formatted("203.0.113.700")).contains("dialout.server"),
                refusal(doc.formatted("203.0.113.700")));
    }

    /**
     * A backup from before the pages refused an inbound forward beside the VPN server holds the
     * pair (the server is on by default): it restores, and the dashboard names the pair
     * ({@code ApplianceTest.aForwardStoredBesideAServerOpenToOutsideIsNamedOnTheDashboard}).
     */
    @Test
    void aBackupWithAnInboundForwardBesideTheServerStillRestores() {
        String doc = """
                {"format": "homerouter-config", "version": 1,
                 "settings": {"pptp.enabled": "true", "passthrough.inbound_server": "192.168.1.10"}, "users": []}
                """;
        assertEquals("192.168.1.10", ConfigDocument.parse(doc, List.of()).settings()
                .get(org.homerouter.appliance.store.Setting.PASSTHROUGH_INBOUND_SERVER));
    }

    private static String vpn(String local, String poolStart, String poolEnd, String dns, String wins) {
        return """
                {"format": "homerouter-config", "version": 1,
                 "settings": {"pptp.local_address": "%s", "pptp.pool_start": "%s", "pptp.pool_end": "%s",
                              "pptp.dns_primary": "%s", "pptp.wins_primary": "%s"}, "users": []}
                """.formatted(local, poolStart, poolEnd, dns, wins);
    }

    /**
     * A backup (System page, or {@code config import}) with a public tunnel network or a DNS or
     * WINS server no client can reach, which the VPN page now refuses, still restores: one made
     * before the rule must, and the service runs with such values. What the page would say is
     * named (the import's warning, the event log), in its words and with its field names. What the
     * first firmware refused already (a loopback tunnel address) is refused as before.
     */
    @Test
    void anImportWithAPublicTunnelNetworkOrAnUnreachableServerRestoresAndIsNamedInThePagesWords() {
        var typo = ConfigDocument.parse(vpn("192.186.250.1", "192.186.250.10", "192.186.250.59", "127.0.0.53",
                "255.255.255.255"), List.of());
        assertEquals("192.186.250.1", typo.settings().get(org.homerouter.appliance.store.Setting.PPTP_LOCAL_ADDRESS));
        String said = Appliance.storedAddressProblems(typo.settings()).orElseThrow();
        assertTrue(said.startsWith("the stored VPN server settings hold what the VPN server page refuses, and run as they"
                + " are until corrected there: \"Router's tunnel address\": 192.186.250.1 is a public internet address:"
                + " the router would send what its users send to the real hosts of 192.186.250.0/24 into the VPN. For a"
                + " tunnel network, enter a private address such as 192.168.250.1 (10.x.x.x, 172.16–31.x.x, 192.168.x.x"
                + " or 100.64–127.x.x)"), said);
        assertTrue(said.contains("\"DNS server\": 127.0.0.53 is a loopback address (127.x.x.x), each computer's own:"
                + " no VPN client can reach a DNS server there. Enter the address of a DNS server the clients reach, such"
                + " as one on the LAN, or leave it empty"), said);
        assertTrue(said.contains("\"WINS server\": 255.255.255.255 is the broadcast address: no VPN client can reach"
                + " a WINS server there."), said);
        assertTrue(refusal(vpn("127.0.0.1", "127.0.0.10", "127.0.0.59", "", ""))
                .contains("127.0.0.1 cannot be used here (this-network, loopback, multicast or reserved)"), "as before");

        for (String[] good : List.of(new String[] {"192.168.250.1", "192.168.250.10", "192.168.250.59", "", ""},
                new String[] {"10.9.0.1", "10.9.0.10", "10.9.0.20", "8.8.8.8", "10.9.0.1"},
                new String[] {"172.16.0.1", "172.16.0.10", "172.16.0.59", "192.168.1.53", ""},
                new String[] {"100.100.0.1", "100.100.0.10", "100.100.0.59", "1.1.1.1", ""})) {
            var parsed = ConfigDocument.parse(vpn(good[0], good[1], good[2], good[3], good[4]), List.of());
            assertEquals(good[0], parsed.settings().get(org.homerouter.appliance.store.Setting.PPTP_LOCAL_ADDRESS));
            assertEquals(good[3], parsed.settings().get(org.homerouter.appliance.store.Setting.PPTP_DNS_PRIMARY));
            assertEquals(java.util.Optional.empty(), Appliance.storedAddressProblems(parsed.settings()));
        }
    }

    private static String users(String users) {
        return """
                {"format": "homerouter-config", "version": 1, "settings": {}, "users": [%s]}
                """.formatted(users);
    }

    private static String refusal(String document) {
        return org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ConfigDocument.parse(document, List.of())).getMessage();
    }

    private static String withChapSecret(String hex) {
        return document("mschapv2,chap-md5").replace("6361726f6c2070617373776f7264", hex);
    }

    /**
     * The longest passwords the pages take (256 UTF-16 units) restore with their CHAP-MD5 secrets,
     * at 3 bytes a unit ('€') and 4 a surrogate pair; longer is refused saying so, and what is not
     * hex saying that.
     */
    @Test
    void chapSecretsOfTheLongestPasswordsRestoreAndARefusalSaysWhatIsWrong() {
        java.util.HexFormat hex = java.util.HexFormat.of();
        for (String pw : List.of("€".repeat(256), "\uD83D\uDE00".repeat(128), "ж".repeat(256))) {
            byte[] secret = pw.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            var parsed = ConfigDocument.parse(withChapSecret(hex.formatHex(secret)), List.of());
            assertTrue(java.util.Arrays.equals(secret, parsed.users().getFirst().chapSecret().orElseThrow()),
                    secret.length + " bytes");
        }
        assertEquals("user carol: chap_secret has 769 bytes, more than the 768 of the longest password (256 characters)",
                refusal(withChapSecret("61".repeat(769))));
        assertEquals("user carol: chap_secret must be hex digits, two a byte", refusal(withChapSecret("6g")));
        assertEquals("user carol: chap_secret must be hex digits, two a byte", refusal(withChapSecret("616")));
    }

    /**
     * A database from before the store refused names differing only in case may hold both: the
     * backup's refusal names the two, and what to do.
     */
    @Test
    void aBackupWithTwoNamesDifferingOnlyInCaseSaysWhichTwo() {
        String hash = "\"nt_hash\": \"0123456789abcdef0123456789abcdef\"";
        assertEquals("user alice appears twice (also as Alice: names differing only in case are one name: remove one of"
                + " the two from the file, or delete it on its router and export again)",
                refusal(users("{\"name\": \"Alice\", " + hash + "}, {\"name\": \"alice\", " + hash + "}")));
        assertEquals("user alice appears twice",
                refusal(users("{\"name\": \"alice\", " + hash + "}, {\"name\": \"alice\", " + hash + "}")));
    }

    /** A hand-merged backup with a name twice in one object: the last would have silently won. */
    @Test
    void aNameTwiceInOneObjectIsRefusedWhereItIs() {
        String hash = "\"nt_hash\": \"0123456789abcdef0123456789abcdef\"";
        String twoLists = """
                {"format": "homerouter-config", "version": 1, "settings": {},
                 "users": [{"name": "alice", %s}], "users": [{"name": "bob", %s}]}
                """.formatted(hash, hash);
        assertEquals("JSON error at character " + (twoLists.lastIndexOf("\"users\"") + 1)
                + ": the name \"users\" appears twice in one object", refusal(twoLists));
        assertTrue(refusal(users("{\"name\": \"dave\", " + hash + ", \"enabled\": null, \"enabled\": true}"))
                .contains("the name \"enabled\" appears twice in one object"));
    }

    /** A hand-edited backup: what the pages would refuse, or would read otherwise, is refused by name. */
    @Test
    void anImportRefusesAccountsThatWouldComeBackOtherwiseThanWritten() {
        String hash = "\"nt_hash\": \"0123456789abcdef0123456789abcdef\"";
        assertTrue(refusal(users("{\"name\": \"dave\", " + hash + ", \"enabled\": \"false\"}"))
                .contains("user dave: enabled must be true or false, not false"), "a string would have enabled dave");
        assertTrue(refusal(users("{\"name\": \"dave\", " + hash + ", \"enable\": false}"))
                .contains("user dave: unknown field \"enable\""));
        String overlap = refusal(users("{\"name\": \"a\", " + hash + ", \"routed_subnets\": \"10.2.0.0/16\"},"
                + " {\"name\": \"b\", " + hash + ", \"routed_subnets\": \"10.2.3.0/24\"}"));
        assertTrue(overlap.contains("user b: routed_subnets: 10.2.3.0/24 overlaps 10.2.0.0/16 of user a"), overlap);
        var fine = ConfigDocument.parse(users("{\"name\": \"dave\", " + hash + ", \"enabled\": false}"), List.of());
        assertTrue(!fine.users().getFirst().enabled(), "a disabled account stays disabled");
    }

    /**
     * Settings are added from one firmware to the next: a backup of a newer one, restored on an
     * older router, says so first and what to do, and names every key this firmware lacks.
     */
    @Test
    void aBackupFromNewerFirmwareSaysToUpdateThisRouterFirst() {
        String doc = """
                {"format": "homerouter-config", "version": 1, "firmware": "%s",
                 "settings": {"pptp.port": "1723", "pptp.shiny_new": "on", "dialout.other_new": "7"}, "users": []}
                """;
        String newer = assertThrows(IllegalArgumentException.class,
                () -> ConfigDocument.parse(doc.formatted("1.10.0"), List.of(), "1.9.3")).getMessage();
        assertTrue(newer.startsWith("this configuration was made by newer firmware (1.10.0) than this router's (1.9.3):"
                + " update this router's firmware first, then import it again;"), newer);
        assertTrue(newer.contains("unknown settings pptp.shiny_new, dialout.other_new"), newer);

        // A firmware that does not say, or an older one: misspelt, or newer after all.
        String unsaid = assertThrows(IllegalArgumentException.class,
                () -> ConfigDocument.parse(doc.formatted("1.9.0"), List.of(), "1.9.3")).getMessage();
        assertTrue(unsaid.startsWith("unknown settings pptp.shiny_new, dialout.other_new: misspelt, or made by newer"
                + " firmware than this router's (1.9.3): then update this router's firmware first"), unsaid);

        // A section this firmware does not know (a newer one's port forwards, say) is not dropped unsaid.
        String section = """
                {"format": "homerouter-config", "version": 1, "firmware": "%s",
                 "settings": {"pptp.port": "1723"}, "users": [], "port_forwards": []}
                """;
        String newerSection = assertThrows(IllegalArgumentException.class,
                () -> ConfigDocument.parse(section.formatted("1.10.0"), List.of(), "1.9.3")).getMessage();
        assertTrue(newerSection.startsWith("this configuration was made by newer firmware (1.10.0) than this router's"
                + " (1.9.3): update this router's firmware first, then import it again; unknown section port_forwards"),
                newerSection);
        String unsaidSection = assertThrows(IllegalArgumentException.class,
                () -> ConfigDocument.parse(section.formatted("1.9.0"), List.of(), "1.9.3")).getMessage();
        assertTrue(unsaidSection.startsWith("unknown section port_forwards: misspelt, or made by newer firmware"),
                unsaidSection);

        // An account's field this firmware does not know: as certain as an unknown setting.
        String field = assertThrows(IllegalArgumentException.class, () -> ConfigDocument.parse(section.formatted("1.10.0")
                .replace(", \"port_forwards\": []", "").replace("\"users\": []", "\"users\": [{\"name\": \"dave\","
                        + " \"nt_hash\": \"00112233445566778899aabbccddeeff\", \"enabled\": true, \"shiny\": 1}]"),
                List.of(), "1.9.3")).getMessage();
        assertTrue(field.startsWith("this configuration was made by newer firmware (1.10.0) than this router's (1.9.3):"
                + " update this router's firmware first, then import it again; user dave: unknown field"), field);

        // A value a newer firmware allows and this one does not (a new choice, a higher limit): the
        // refusal says first to update, not only that the value is invalid.
        String value = assertThrows(IllegalArgumentException.class, () -> ConfigDocument.parse(doc.formatted("1.10.0")
                .replace(", \"pptp.shiny_new\": \"on\", \"dialout.other_new\": \"7\"", ", \"pptp.port\": \"99999\"")
                .replace("\"pptp.port\": \"1723\", ", ""), List.of(), "1.9.3")).getMessage();
        assertTrue(value.startsWith("this configuration was made by newer firmware (1.10.0) than this router's (1.9.3):"
                + " if what is refused here is new in that firmware, update this router's firmware first, then import it"
                + " again; "), value);
        assertTrue(value.contains("pptp.port"), value);

        // Known settings only: a newer firmware's backup restores.
        assertEquals("1723", ConfigDocument.parse(doc.formatted("1.10.0").replace(", \"pptp.shiny_new\": \"on\","
                + " \"dialout.other_new\": \"7\"", ""), List.of(), "1.9.3").settings()
                .get(org.homerouter.appliance.store.Setting.PPTP_PORT));
    }

    @Test
    void aDocumentOfAnIncompatibleNewerFormatSaysSoWithItsVersionAsAWholeNumber() {
        String doc = """
                {"format": "homerouter-config", "version": %s, "firmware": "2.0.1", "settings": {}, "users": []}
                """;
        String newer = assertThrows(IllegalArgumentException.class,
                () -> ConfigDocument.parse(doc.formatted("2"), List.of(), "1.9.3")).getMessage();
        assertTrue(newer.startsWith("this configuration was made by newer firmware (2.0.1), in configuration version 2,"
                + " which this router's firmware (1.9.3, version 1) cannot read: update this router's firmware first"),
                newer);
        assertTrue(refusal(doc.formatted("0")).equals("unsupported configuration version 0"), refusal(doc.formatted("0")));
    }

    /** The export names the firmware that made it, which an older one's refusal then names. */
    @Test
    void anExportNamesItsFirmwareAndReadsBack(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        try (var store = org.homerouter.appliance.store.ApplianceStore.open(dir.resolve("appliance.db"))) {
            String json = ConfigDocument.export(store);
            assertTrue(json.contains("\"version\": 1,\n  \"firmware\": " + Json.quote(Version.current()) + ",\n"), json);
            ConfigDocument.parse(json, List.of());
        }
        assertTrue(ConfigDocument.newer("0.10.0", "0.9.12") && !ConfigDocument.newer("0.9.12", "0.10.0"));
        assertTrue(!ConfigDocument.newer("1.2", "1.2.0-SNAPSHOT") && !ConfigDocument.newer("2.0", "dev"));
        // Image builds of one release differ by their build time only (homerouter-update's order).
        assertTrue(ConfigDocument.newer("0.1.0+202612061015.def5678", "0.1.0+202612011200.abc1234"));
        assertTrue(!ConfigDocument.newer("0.1.0+202612011200.abc1234", "0.1.0+202612061015.def5678"));
        assertTrue(ConfigDocument.newer("0.2.0+202601010000.aaa", "0.1.0+202612061015.def5678"));
    }

    /**
     * A password beyond ASCII works from pppd-based clients through its octet-wise NT hash: an
     * export keeps it and an import brings it back, so a restored router lets them in as before
     * (it was dropped, and their logins failed with 691 after a restore). An account of plain ASCII
     * has none and the export no key for it; an older export without the key imports as before; a
     * malformed one is refused by name.
     */
    @Test
    void theOctetWiseHashSurvivesAnExportAndImport(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        byte[] octetWise = org.homerouter.pptp.auth.NtPasswordHash.octetWiseOf("Grüße-2024!").orElseThrow();
        String json;
        try (var store = org.homerouter.appliance.store.ApplianceStore.open(dir.resolve("a.db"))) {
            store.addUser(new org.homerouter.appliance.store.VpnUser("carol",
                    org.homerouter.pptp.auth.NtPasswordHash.of("Grüße-2024!"), java.util.Optional.empty(), true,
                    java.util.Optional.empty(), java.util.Optional.of(octetWise)));
            store.addUser(new org.homerouter.appliance.store.VpnUser("dave",
                    org.homerouter.pptp.auth.NtPasswordHash.of("plain ascii"), java.util.Optional.empty(), true,
                    java.util.Optional.empty()));
            json = ConfigDocument.export(store);
        }
        assertEquals(1, json.split("octet_wise_nt_hash", -1).length - 1, "carol's only: " + json);
        var parsed = ConfigDocument.parse(json, List.of());
        try (var store = org.homerouter.appliance.store.ApplianceStore.open(dir.resolve("b.db"))) {
            store.replaceConfiguration(parsed.settings(), parsed.users(), "import");
            org.junit.jupiter.api.Assertions.assertArrayEquals(octetWise,
                    store.user("carol").orElseThrow().octetWiseNtHash().orElseThrow());
            assertTrue(store.user("dave").orElseThrow().octetWiseNtHash().isEmpty());
        }

        assertTrue(ConfigDocument.parse(document("mschapv2"), List.of()).users().getFirst().octetWiseNtHash().isEmpty(),
                "an export from before imports as it did");
        String bad = document("mschapv2").replace("\"enabled\": true", "\"octet_wise_nt_hash\": \"12\", \"enabled\": true");
        assertEquals("user carol: octet_wise_nt_hash must be 32 hex digits", refusal(bad));
    }
}
