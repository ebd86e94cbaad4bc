package org.homerouter.appliance.store;

import java.util.List;

/** One schema step: applied once, in one transaction with the other pending steps, and recorded in SQLite's user_version. */
record Migration(int version, String description, List<String> statements) {
}
