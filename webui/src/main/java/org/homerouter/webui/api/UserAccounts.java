package org.homerouter.webui.api;

import java.util.List;
import java.util.Optional;

/** Dial-in accounts. Each change is one transaction together with its event-log line. */
public interface UserAccounts {
    List<UserRow> users();

    Optional<UserRow> user(String name);

    /** False when the name is taken. */
    boolean add(String name, String password, boolean enabled, String staticAddress, String event);

    /** Enabled flag and static address ("" for none); false when there is no such user. */
    boolean update(String name, boolean enabled, String staticAddress, String event);

    boolean setPassword(String name, String password, String event);

    boolean delete(String name, String event);

    /** A dial-in account as the UI shows it (no secrets). */
    record UserRow(String name, boolean enabled, String staticAddress, boolean storesChapSecret) {
    }
}
