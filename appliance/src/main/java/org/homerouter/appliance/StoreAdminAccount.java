package org.homerouter.appliance;

import java.sql.SQLException;
import java.util.HexFormat;
import java.util.Optional;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.webui.api.AdminAccount;

/** The admin password hash in the {@code admin} table; the known-device key among the settings. */
record StoreAdminAccount(ApplianceStore store) implements AdminAccount {
    @Override
    public Optional<String> passwordHash() {
        try {
            return store.adminPasswordHash();
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public boolean setFirstPasswordHash(String encodedHash, String event) {
        try {
            return store.setFirstAdminPasswordHash(encodedHash, event);
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public boolean changePasswordHash(String previousHash, String encodedHash, String event) {
        try {
            return store.changeAdminPasswordHash(previousHash, encodedHash, event);
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    @Override
    public byte[] knownDeviceKey() {
        try {
            String key = store.settings().get(Setting.UI_KNOWN_DEVICE_KEY);
            if (key.isEmpty()) {
                // Made at every start and after a factory reset; a login between the reset and that makes it here.
                Appliance.ensureLocalSecrets(store);
                key = store.settings().get(Setting.UI_KNOWN_DEVICE_KEY);
            }
            return HexFormat.of().parseHex(key);
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }
}
