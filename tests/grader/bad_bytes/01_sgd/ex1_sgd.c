/* Does not compile, and its error message carries a control character and
 * a byte that is not UTF-8 (Latin-1 e acute): the reports must stay
 * readable (valid UTF-8, no control characters in the XML). */
#include "exercises.h"
#error "a<b & \"c\" \\ ]]>  café"
