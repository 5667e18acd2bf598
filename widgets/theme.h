#pragma once
// Light and dark looks for the whole application: the Fusion style with a palette of its own, or
// the platform's palette ("system").
#include <QString>

namespace sb {

enum class Theme { System, Light, Dark };

// Applies `theme` to the running application (style and palette) and remembers it as current.
void applyTheme(Theme theme);
Theme currentTheme();
// True when the current palette has a dark window background (light text on dark).
bool isDarkPalette();
// "system", "light", "dark": how a theme is kept in the settings.
QString themeKey(Theme theme);
Theme themeFromKey(const QString &key); // unknown keys give System

} // namespace sb
