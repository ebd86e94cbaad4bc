package org.homerouter.webui.api;

import java.util.List;
import java.util.Optional;

/** Dial-in accounts. Each change is one transaction together with its event-log line. */
public interface UserAccounts {
    List<UserRow> users();

    /**
     * How many accounts there are: the Dashboard's redraw (every 15 s while it is open) built every
     * row with its last connection from the whole history just to count them.
     */
    int count();

    Optional<UserRow> user(String name);

    /** False when the name is taken. */
    boolean add(String name, String password, boolean enabled, String staticAddress, String event);

    /** Enabled flag and static address ("" for none); false when there is no such user. Disabling ends the user's sessions. */
    boolean update(String name, boolean enabled, String staticAddress, String event);

    /** False when there is no such user. The sessions logged in with the old password end. */
    boolean setPassword(String name, String password, String event);

    /** False when there is no such user. The user's sessions end. */
    boolean delete(String name, String event);

    /** A branch office's networks, routed into its tunnel while it is up ("10.2.0.0/24,10.3.0.0/16"); "" for none. */
    String routedSubnets(String name);

    /**
     * The networks in canonical form, checked against the router's own networks and every other
     * network routed into a tunnel.
     *
     * @throws IllegalArgumentException with the sentence to show next to the field
     */
    String checkRoutedSubnets(String name, String subnets);

    /** Stores checked networks; they apply from the account's next session. False when there is no such user. */
    boolean setRoutedSubnets(String name, String subnets, String event);

    /** A dial-in account as the UI shows it (no secrets), with its last connection from the session history. */
    record UserRow(String name, boolean enabled, String staticAddress, boolean storesChapSecret,
                   LastConnection lastConnection) {
    }

    /**
     * What the owner asks first when someone says "I can't connect": when the account last got in,
     * and whether it failed since. {@code connectedMs} 0: no session in the history (or none left,
     * the history being trimmed); {@code client} the address it connected from; {@code connectedNow}
     * that session is still up. {@code failedMs} 0: no failed attempt after that session; else when
     * the latest one was refused and why, in a few words ("wrong password or user name").
     */
    record LastConnection(long connectedMs, String client, boolean connectedNow, long failedMs, String failure) {
        /** Nothing in the history for the account. */
        public static final LastConnection NEVER = new LastConnection(0, "", false, 0, "");

        public boolean never() {
            return connectedMs == 0 && failedMs == 0;
        }
    }
}
