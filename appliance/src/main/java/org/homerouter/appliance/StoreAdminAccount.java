package org.homerouter.appliance;

import java.sql.SQLException;
import java.util.Optional;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.webui.api.AdminAccount;

/** The admin password hash in the {@code admin} table. */
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
    public void setPasswordHash(String encodedHash, String event) {
        try {
            store.setAdminPasswordHash(encodedHash, event);
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }
}
