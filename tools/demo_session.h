// DemoSession: the headless bedside session of ./scripts/demo, run through the real app core and gateway.
#pragma once

#include <QString>

namespace crf::tools {

struct DemoOptions {
    QString gatewayBinary; // crf-gateway, started as a real subprocess once tablet A has saved offline
    QString gatewayData;   // its --data folder
    QString listen;        // host:port for the gateway
    QString tabletsDir;    // tablets' folders: <dir>/A/crf.db, <dir>/B/crf.db
    QString studyFile;     // the study definition (studies/imicro.json)
    QString credentials;   // crfctl dev-seed output: the demo users and their passwords
    QString tlsDir;        // crfctl cert dev output (gateway.crt, gateway.key); empty: plaintext on loopback
};

/// Prints each step; returns the process exit code (0 when tablet B shows exactly what tablet A saved).
int runDemoSession(const DemoOptions& options);

} // namespace crf::tools
