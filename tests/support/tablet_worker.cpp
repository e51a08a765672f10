// crf-test-tablet: one tablet as the app runs it (AppCore: its storage and sync threads, a real SQLCipher store, an
// online login) in a process of its own, so a fault test can SIGKILL it at any point of a save, a photo or a sync and
// start it again on the same store (TabletKill, tests/integration/tablet_kill_test.cpp).
//
//   crf-test-tablet --data DIR --gateway HOST:PORT --user ID --from I --to N [--sync-every K] [--photo-every K]
//
// The password comes on stdin. Saves form I, I+1, ... N-1 (values fixed by the index, so a form saved again after a
// kill is the same values), syncs after every K saves and adds a photo after every K saves, then syncs until nothing
// is pending and exits 0. Each line on stdout is said only after what it names is committed:
//   open PENDING | saved I | photo I DIGEST | synced PUSHED PULLED [ERROR] | done
#include "app_core.h"
#include "key_store.h"
#include "random_photo.h"
#include "test_support.h"

#include <QCoreApplication>
#include <iostream>
#include <string>

using namespace crf;

namespace {

int fail(const std::string& what)
{
    std::cerr << "crf-test-tablet: " << what << std::endl;
    return 2;
}

void say(const std::string& line)
{
    std::cout << line << std::endl; // flushed: the test reads it as it comes
}

/// The form of save `i`: a SOFA day of a subject, its values fixed by `i` (TabletKill checks them).
store::SaveRequest formOf(int i)
{
    store::SaveRequest r;
    r.form = {"01-" + std::to_string(100 + i / 8), "D" + std::to_string(i % 8), "SOFA", 0};
    r.values["GCS"] = store::FieldValue{std::to_string(3 + i % 13), ""};
    r.values["PLATELETS"] = store::FieldValue{std::to_string(50 + i), "10^3/uL"};
    return r;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    std::string data, gateway, user;
    int from = 0, to = 0, syncEvery = 4, photoEvery = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i], v = argv[i + 1];
        if (a == "--data")
            data = v;
        else if (a == "--gateway")
            gateway = v;
        else if (a == "--user")
            user = v;
        else if (a == "--from")
            from = std::stoi(v);
        else if (a == "--to")
            to = std::stoi(v);
        else if (a == "--sync-every")
            syncEvery = std::max(1, std::stoi(v));
        else if (a == "--photo-every")
            photoEvery = std::stoi(v);
        else
            return fail("unknown option " + a);
    }
    if (data.empty() || gateway.empty() || user.empty())
        return fail("--data, --gateway and --user are required");
    std::string password;
    std::getline(std::cin, password);

    app::AppConfig cfg;
    cfg.dataDir = QString::fromStdString(data);
    cfg.gatewayAddress = QString::fromStdString(gateway);
    cfg.actor = {user, "research_nurse", "01"};
    cfg.study = {"I-MICRO", "2020-1"};
    const QString keyDir = cfg.dataDir;
    cfg.makeKeyStore = [keyDir] { return platform::makeFileKeyStore(keyDir); };
    app::AppCore core(cfg);
    if (const auto opened = test::await<Status>([&](auto done) { core.open(done); }); !opened)
        return fail("open: " + opened.error().text());
    const auto in = test::await<Result<app::LoginInfo>>([&](auto done) { core.login(user, password, done); });
    if (!in || !in->online)
        return fail("login: " + (in ? std::string("offline") : in.error().text()));
    const auto state = test::await<Result<store::SyncState>>([&](auto done) { core.loadSyncState(done); });
    say("open " + std::to_string(state ? state->pendingEvents : -1));

    sync::SyncReport last;
    QObject::connect(&core, &app::AppCore::syncFinished, &core, [&](const sync::SyncReport& r) { last = r; });
    auto syncOnce = [&] {
        int finished = 0;
        auto c = QObject::connect(&core, &app::AppCore::syncFinished, &core, [&] { ++finished; });
        core.syncNow();
        test::spinUntil([&] { return finished > 0; }, 60000);
        QObject::disconnect(c);
        say("synced " + std::to_string(last.pushed) + " " + std::to_string(last.pulled) +
            (last.ok() ? std::string() : " " + last.error.text));
    };
    for (int i = from; i < to; ++i) {
        const auto saved = test::await<Result<store::SaveOutcome>>([&](auto done) { core.save(formOf(i), done); });
        if (!saved)
            return fail("save " + std::to_string(i) + ": " + saved.error().text());
        say("saved " + std::to_string(i));
        if (photoEvery > 0 && (i + 1) % photoEvery == 0) {
            const auto digest =
                test::await<Result<std::string>>([&](auto done) { core.addPhoto(test::randomJpeg(400'000), done); });
            if (!digest)
                return fail("photo " + std::to_string(i) + ": " + digest.error().text());
            say("photo " + std::to_string(i) + " " + *digest);
        }
        if ((i + 1) % syncEvery == 0)
            syncOnce();
    }
    for (int round = 0; round < 10; ++round) {
        const auto left = test::await<Result<store::SyncState>>([&](auto done) { core.loadSyncState(done); });
        if (left && left->pendingEvents == 0 && left->pendingPhotos == 0) {
            say("done");
            return 0;
        }
        syncOnce();
    }
    return fail("changes still pending after 10 syncs");
}
