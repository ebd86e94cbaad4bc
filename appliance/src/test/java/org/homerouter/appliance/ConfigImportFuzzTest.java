package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Files;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.appliance.store.VpnUser;
import org.homerouter.pptp.auth.NtPasswordHash;

/**
 * The configuration import (System page, {@code config import}) on a real store with any document:
 * an exported one with values, keys and structure changed, or any text at all. It is refused with
 * an IllegalArgumentException and nothing stored, or stored whole; what it stored exports to a
 * document that imports back to the same configuration.
 */
class ConfigImportFuzzTest {
    private static ApplianceStore store;
    private static Map<Setting, String> baseSettings;
    private static List<VpnUser> baseUsers;
    private static String baseExport;

    @FuzzTest(maxDuration = "10s")
    void anyDocumentIsImportedWholeOrNotAtAll(FuzzedDataProvider data) throws Exception {
        open();
        store.replaceConfiguration(baseSettings, baseUsers, "fuzz: baseline");
        String document = document(data);
        ConfigDocument.Parsed parsed;
        try {
            parsed = ConfigDocument.parse(document, List.of());
        } catch (IllegalArgumentException refused) {
            assertNotNull(refused.getMessage(), "a refusal says why");
            assertEquals(baseExport, ConfigDocument.export(store), "refused, yet something changed");
            return;
        }
        try {
            store.replaceConfiguration(parsed.settings(), parsed.users(), "fuzz: import");
        } catch (SQLException refused) {
            assertEquals(baseExport, ConfigDocument.export(store), "the database refused it, yet something changed");
            return;
        }
        String stored = ConfigDocument.export(store);
        ConfigDocument.Parsed again = ConfigDocument.parse(stored, List.of());
        store.replaceConfiguration(again.settings(), again.users(), "fuzz: round trip");
        assertEquals(stored, ConfigDocument.export(store), "export, import, export is stable");
    }

    /** Mostly the baseline's export with some of its text replaced; sometimes anything. */
    private static String document(FuzzedDataProvider data) {
        if (data.consumeInt(0, 7) == 0) {
            return data.consumeRemainingAsString();
        }
        String doc = baseExport;
        int edits = data.consumeInt(1, 4);
        for (int i = 0; i < edits && doc.length() > 0; i++) {
            int at = data.consumeInt(0, doc.length() - 1);
            int len = data.consumeInt(0, Math.min(40, doc.length() - at));
            doc = doc.substring(0, at) + data.consumeString(60) + doc.substring(at + len);
        }
        return doc;
    }

    private static synchronized void open() throws Exception {
        if (store != null) {
            return;
        }
        store = ApplianceStore.open(Files.createTempDirectory("config-fuzz").resolve("appliance.db"));
        store.addUser(new VpnUser("alice", NtPasswordHash.of("alice password"), Optional.empty(), true,
                Optional.of("192.168.250.20")));
        store.addUser(new VpnUser("bob", NtPasswordHash.of("bob password"), Optional.of(new byte[] {1, 2, 3}), false,
                Optional.empty()));
        baseSettings = store.settings();
        baseUsers = store.users();
        baseExport = ConfigDocument.export(store);
    }
}
