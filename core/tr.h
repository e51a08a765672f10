// Marks English message templates of core/ for Qt Linguist without Qt: lupdate extracts QT_TRANSLATE_NOOP, the
// screens translate them (context "Core", ui::errorText). Token for token Qt's own definition, so a file that also
// includes Qt compiles the same.
#pragma once

#ifndef QT_TRANSLATE_NOOP
#define QT_TRANSLATE_NOOP(scope, x) x
#endif
