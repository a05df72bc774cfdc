<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
<context>
    <name>Announcer</name>
    <message>
        <location filename="../app/controllers/announcer.cpp" line="145"/>
        <source>The answer failed.</source>
        <translation>La réponse a échoué.</translation>
    </message>
    <message>
        <location filename="../app/controllers/announcer.cpp" line="145"/>
        <source>End of answer.</source>
        <translation>Fin de la réponse.</translation>
    </message>
</context>
<context>
    <name>AppController</name>
    <message>
        <location filename="../app/controllers/appcontroller.cpp" line="195"/>
        <source>Local · %1</source>
        <translation>Local · %1</translation>
    </message>
    <message>
        <location filename="../app/controllers/appcontroller.cpp" line="195"/>
        <source>Local · no model</source>
        <translation>Local · aucun modèle</translation>
    </message>
    <message>
        <location filename="../app/controllers/appcontroller.cpp" line="197"/>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <location filename="../app/controllers/appcontroller.cpp" line="197"/>
        <source>Remote</source>
        <translation>Distant</translation>
    </message>
    <message>
        <location filename="../app/controllers/appcontroller.cpp" line="198"/>
        <source>no model chosen</source>
        <translation>aucun modèle choisi</translation>
    </message>
    <message>
        <location filename="../app/controllers/appcontroller.cpp" line="214"/>
        <source>a remote endpoint</source>
        <translation>un point d’accès distant</translation>
    </message>
    <message>
        <location filename="../app/controllers/appcontroller.cpp" line="216"/>
        <source>Local model</source>
        <translation>Modèle local</translation>
    </message>
    <message>
        <location filename="../app/controllers/appcontroller.cpp" line="220"/>
        <source>was: %1</source>
        <translation>avant : %1</translation>
    </message>
    <message>
        <location filename="../app/controllers/appcontroller.cpp" line="220"/>
        <source>was: %1 · %2</source>
        <translation>avant : %1 · %2</translation>
    </message>
</context>
<context>
    <name>AppearanceSettings</name>
    <message>
        <location filename="../ui/AppearanceSettings.qml" line="10"/>
        <location filename="../ui/AppearanceSettings.qml" line="16"/>
        <source>Theme</source>
        <translation>Thème</translation>
    </message>
    <message>
        <location filename="../ui/AppearanceSettings.qml" line="12"/>
        <source>Follow the system</source>
        <translation>Suivre le système</translation>
    </message>
    <message>
        <location filename="../ui/AppearanceSettings.qml" line="12"/>
        <source>Light</source>
        <translation>Clair</translation>
    </message>
    <message>
        <location filename="../ui/AppearanceSettings.qml" line="12"/>
        <source>Dark</source>
        <translation>Sombre</translation>
    </message>
    <message>
        <location filename="../ui/AppearanceSettings.qml" line="19"/>
        <location filename="../ui/AppearanceSettings.qml" line="25"/>
        <source>Language</source>
        <translation>Langue</translation>
    </message>
    <message>
        <location filename="../ui/AppearanceSettings.qml" line="21"/>
        <source>System language</source>
        <translation>Langue du système</translation>
    </message>
    <message>
        <location filename="../ui/AppearanceSettings.qml" line="28"/>
        <location filename="../ui/AppearanceSettings.qml" line="34"/>
        <source>Data folder</source>
        <translation>Dossier des données</translation>
    </message>
</context>
<context>
    <name>AttachmentChips</name>
    <message>
        <location filename="../ui/AttachmentChips.qml" line="71"/>
        <source>Reading…</source>
        <translation>Lecture…</translation>
    </message>
    <message>
        <location filename="../ui/AttachmentChips.qml" line="77"/>
        <source>counting tokens…</source>
        <translation>décompte des jetons…</translation>
    </message>
    <message>
        <location filename="../ui/AttachmentChips.qml" line="78"/>
        <source>about %1 tokens</source>
        <translation>environ %1 jetons</translation>
    </message>
    <message>
        <location filename="../ui/AttachmentChips.qml" line="79"/>
        <source>%1 tokens</source>
        <translation>%1 jetons</translation>
    </message>
    <message>
        <location filename="../ui/AttachmentChips.qml" line="90"/>
        <source>Remove %1</source>
        <translation>Retirer %1</translation>
    </message>
    <message>
        <location filename="../ui/AttachmentChips.qml" line="104"/>
        <source>Attach files</source>
        <translation>Joindre des fichiers</translation>
    </message>
</context>
<context>
    <name>ChatController</name>
    <message>
        <location filename="../app/controllers/chatcontroller.cpp" line="85"/>
        <source>Wait for the answer to finish, or stop it, before sending.</source>
        <translation>Attendez la fin de la réponse, ou arrêtez-la, avant d’envoyer.</translation>
    </message>
    <message>
        <location filename="../app/controllers/chatcontroller.cpp" line="187"/>
        <location filename="../app/controllers/chatcontroller.cpp" line="258"/>
        <source>No model is ready for this conversation. Open a local model or choose a remote endpoint in Settings.</source>
        <translation>Aucun modèle n’est prêt pour cette conversation. Ouvrez un modèle local ou choisissez un point d’accès distant dans les Réglages.</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <location filename="../ui/ChatView.qml" line="39"/>
        <source>Messages</source>
        <translation>Messages</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <location filename="../ui/Composer.qml" line="69"/>
        <source>Editing a message: sending makes a new version (the old one stays). Esc cancels.</source>
        <translation>Modification d’un message : l’envoi crée une nouvelle version (l’ancienne est conservée). Échap annule.</translation>
    </message>
    <message>
        <location filename="../ui/Composer.qml" line="88"/>
        <source>Attach files</source>
        <translation>Joindre des fichiers</translation>
    </message>
    <message>
        <location filename="../ui/Composer.qml" line="99"/>
        <source>Message (Enter to send, Shift+Enter for a new line)</source>
        <translation>Message (Entrée pour envoyer, Maj+Entrée pour aller à la ligne)</translation>
    </message>
    <message>
        <location filename="../ui/Composer.qml" line="100"/>
        <source>No model is ready yet</source>
        <translation>Aucun modèle n’est encore prêt</translation>
    </message>
    <message>
        <location filename="../ui/Composer.qml" line="116"/>
        <source>Message</source>
        <translation>Message</translation>
    </message>
    <message>
        <location filename="../ui/Composer.qml" line="158"/>
        <source>Esc</source>
        <translation>Échap</translation>
    </message>
    <message>
        <location filename="../ui/Composer.qml" line="158"/>
        <source>Enter</source>
        <translation>Entrée</translation>
    </message>
    <message>
        <location filename="../ui/Composer.qml" line="170"/>
        <source>The oldest messages will be left out of the model&apos;s view.</source>
        <translation>Les messages les plus anciens ne seront plus vus par le modèle.</translation>
    </message>
    <message>
        <location filename="../ui/Composer.qml" line="157"/>
        <source>Stop the answer</source>
        <translation>Arrêter la réponse</translation>
    </message>
    <message>
        <location filename="../ui/Composer.qml" line="157"/>
        <source>Send message</source>
        <translation>Envoyer le message</translation>
    </message>
</context>
<context>
    <name>ContextRing</name>
    <message>
        <location filename="../ui/ContextRing.qml" line="17"/>
        <source>Context: %1 of %2 tokens (%3%)</source>
        <translation>Contexte : %1 sur %2 jetons (%3 %)</translation>
    </message>
    <message>
        <location filename="../ui/ContextRing.qml" line="73"/>
        <source>The oldest messages will be left out of the model&apos;s view.</source>
        <translation>Les messages les plus anciens ne seront plus vus par le modèle.</translation>
    </message>
</context>
<context>
    <name>ConversationDelegate</name>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="25"/>
        <location filename="../ui/ConversationDelegate.qml" line="86"/>
        <source>Untitled conversation</source>
        <translation>Conversation sans titre</translation>
    </message>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="26"/>
        <source>pinned</source>
        <translation>épinglée</translation>
    </message>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="26"/>
        <source>selected</source>
        <translation>sélectionnée</translation>
    </message>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="63"/>
        <source>%1 conversations</source>
        <translation>%1 conversations</translation>
    </message>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="96"/>
        <source>New title</source>
        <translation>Nouveau titre</translation>
    </message>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="104"/>
        <source>Conversation actions</source>
        <translation>Actions sur la conversation</translation>
    </message>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="151"/>
        <source>Causerie conversation (*.json)</source>
        <translation>Conversation Causerie (*.json)</translation>
    </message>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="152"/>
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="165"/>
        <source>Export the conversation</source>
        <translation>Exporter la conversation</translation>
    </message>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="194"/>
        <source>Delete this conversation?</source>
        <translation>Supprimer cette conversation ?</translation>
    </message>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="197"/>
        <source>“%1” will be deleted. You can undo this for a few seconds.</source>
        <translation>« %1 » sera supprimée. Vous pourrez annuler pendant quelques secondes.</translation>
    </message>
</context>
<context>
    <name>ConversationMenu</name>
    <message>
        <location filename="../ui/ConversationMenu.qml" line="19"/>
        <source>Rename</source>
        <translation>Renommer</translation>
    </message>
    <message>
        <location filename="../ui/ConversationMenu.qml" line="23"/>
        <source>Unpin</source>
        <translation>Désépingler</translation>
    </message>
    <message>
        <location filename="../ui/ConversationMenu.qml" line="23"/>
        <source>Pin</source>
        <translation>Épingler</translation>
    </message>
    <message>
        <location filename="../ui/ConversationMenu.qml" line="29"/>
        <source>Move to folder</source>
        <translation>Déplacer vers un dossier</translation>
    </message>
    <message>
        <location filename="../ui/ConversationMenu.qml" line="48"/>
        <source>Remove from folder</source>
        <translation>Retirer du dossier</translation>
    </message>
    <message>
        <location filename="../ui/ConversationMenu.qml" line="52"/>
        <source>Copy as Markdown</source>
        <translation>Copier en Markdown</translation>
    </message>
    <message>
        <location filename="../ui/ConversationMenu.qml" line="56"/>
        <source>Export as Markdown…</source>
        <translation>Exporter en Markdown…</translation>
    </message>
    <message>
        <location filename="../ui/ConversationMenu.qml" line="60"/>
        <source>Export for import (JSON)…</source>
        <translation>Exporter pour importer (JSON)…</translation>
    </message>
    <message>
        <location filename="../ui/ConversationMenu.qml" line="64"/>
        <source>Export for import, with attached files (JSON)…</source>
        <translation>Exporter pour importer, avec les fichiers joints (JSON)…</translation>
    </message>
    <message>
        <location filename="../ui/ConversationMenu.qml" line="69"/>
        <source>Delete…</source>
        <translation>Supprimer…</translation>
    </message>
</context>
<context>
    <name>ConversationSections</name>
    <message>
        <location filename="../app/controllers/conversationsections.cpp" line="17"/>
        <source>Pinned</source>
        <translation>Épinglées</translation>
    </message>
    <message>
        <location filename="../app/controllers/conversationsections.cpp" line="20"/>
        <source>Today</source>
        <translation>Aujourd’hui</translation>
    </message>
    <message>
        <location filename="../app/controllers/conversationsections.cpp" line="22"/>
        <source>Yesterday</source>
        <translation>Hier</translation>
    </message>
    <message>
        <location filename="../app/controllers/conversationsections.cpp" line="24"/>
        <source>Previous 7 days</source>
        <translation>7 derniers jours</translation>
    </message>
    <message>
        <location filename="../app/controllers/conversationsections.cpp" line="26"/>
        <source>Previous 30 days</source>
        <translation>30 derniers jours</translation>
    </message>
    <message>
        <location filename="../app/controllers/conversationsections.cpp" line="27"/>
        <source>Older</source>
        <translation>Plus anciennes</translation>
    </message>
    <message>
        <location filename="../app/controllers/conversationsections.cpp" line="37"/>
        <source>Folders</source>
        <translation>Dossiers</translation>
    </message>
</context>
<context>
    <name>ConversationSettingsDialog</name>
    <message>
        <location filename="../ui/ConversationSettingsDialog.qml" line="31"/>
        <source>This conversation</source>
        <translation>Cette conversation</translation>
    </message>
    <message>
        <location filename="../ui/ConversationSettingsDialog.qml" line="45"/>
        <location filename="../ui/ConversationSettingsDialog.qml" line="47"/>
        <source>Use a system prompt of its own</source>
        <translation>Utiliser son propre prompt système</translation>
    </message>
    <message>
        <location filename="../ui/ConversationSettingsDialog.qml" line="59"/>
        <source>No system prompt in this conversation</source>
        <translation>Pas de prompt système dans cette conversation</translation>
    </message>
    <message>
        <location filename="../ui/ConversationSettingsDialog.qml" line="60"/>
        <source>The default system prompt is empty</source>
        <translation>Le prompt système par défaut est vide</translation>
    </message>
    <message>
        <location filename="../ui/ConversationSettingsDialog.qml" line="61"/>
        <source>System prompt of this conversation</source>
        <translation>Prompt système de cette conversation</translation>
    </message>
    <message>
        <location filename="../ui/ConversationSettingsDialog.qml" line="69"/>
        <location filename="../ui/ConversationSettingsDialog.qml" line="71"/>
        <source>Think before answering</source>
        <translation>Réfléchir avant de répondre</translation>
    </message>
    <message>
        <location filename="../ui/ConversationSettingsDialog.qml" line="77"/>
        <location filename="../ui/ConversationSettingsDialog.qml" line="79"/>
        <source>Use answer settings of its own</source>
        <translation>Utiliser ses propres réglages de réponse</translation>
    </message>
    <message>
        <location filename="../ui/ConversationSettingsDialog.qml" line="91"/>
        <source>Search these libraries</source>
        <translation>Chercher dans ces bibliothèques</translation>
    </message>
    <message>
        <location filename="../ui/ConversationSettingsDialog.qml" line="110"/>
        <source>Unchecked, this conversation follows the defaults in Settings. The changes apply from the next answer.</source>
        <translation>Décoché, cette conversation suit les valeurs par défaut des Réglages. Les changements s’appliquent à partir de la prochaine réponse.</translation>
    </message>
</context>
<context>
    <name>ConversationsController</name>
    <message>
        <location filename="../app/controllers/conversationscontroller.cpp" line="116"/>
        <source>No file was chosen to export to.</source>
        <translation>Aucun fichier n’a été choisi pour l’export.</translation>
    </message>
    <message>
        <location filename="../app/controllers/conversationscontroller.cpp" line="184"/>
        <source>Cannot write %1: %2</source>
        <translation>Impossible d’écrire %1 : %2</translation>
    </message>
    <message>
        <location filename="../app/controllers/conversationscontroller.cpp" line="367"/>
        <source>Choose an existing folder to export the conversations to.</source>
        <translation>Choisissez un dossier existant où exporter les conversations.</translation>
    </message>
    <message>
        <location filename="../app/controllers/conversationscontroller.cpp" line="156"/>
        <source>Conversation</source>
        <translation>Conversation</translation>
    </message>
    <message>
        <location filename="../app/controllers/conversationscontroller.cpp" line="166"/>
        <source>Cannot read %1: %2</source>
        <translation>Impossible de lire %1 : %2</translation>
    </message>
</context>
<context>
    <name>DeviceText</name>
    <message>
        <location filename="../app/controllers/devicetext.cpp" line="15"/>
        <source>0 GPU layers were asked for</source>
        <translation>0 couche GPU demandée</translation>
    </message>
    <message>
        <location filename="../app/controllers/devicetext.cpp" line="16"/>
        <source>this build of Causerie has no GPU backend</source>
        <translation>cette version de Causerie n’a pas de moteur GPU</translation>
    </message>
    <message>
        <location filename="../app/controllers/devicetext.cpp" line="17"/>
        <source>no NVIDIA GPU was found</source>
        <translation>aucun GPU NVIDIA trouvé</translation>
    </message>
    <message>
        <location filename="../app/controllers/devicetext.cpp" line="18"/>
        <source>no NVIDIA GPU could be queried</source>
        <translation>aucun GPU NVIDIA n’a pu être interrogé</translation>
    </message>
    <message>
        <location filename="../app/controllers/devicetext.cpp" line="19"/>
        <source>no CUDA device was found</source>
        <translation>aucun périphérique CUDA trouvé</translation>
    </message>
    <message>
        <location filename="../app/controllers/devicetext.cpp" line="28"/>
        <source>GPU has %1 free, model needs %2</source>
        <translation>le GPU a %1 de libre, le modèle demande %2</translation>
    </message>
    <message>
        <location filename="../app/controllers/devicetext.cpp" line="31"/>
        <source>%1: %2 of %3 layers on GPU</source>
        <translation>%1 : %2 couches sur %3 sur le GPU</translation>
    </message>
    <message>
        <location filename="../app/controllers/devicetext.cpp" line="33"/>
        <source>%1: not even one layer fits</source>
        <translation>%1 : pas même une couche ne tient</translation>
    </message>
    <message>
        <location filename="../app/controllers/devicetext.cpp" line="38"/>
        <source>the GPU stopped working (%1)</source>
        <translation>le GPU a cessé de fonctionner (%1)</translation>
    </message>
    <message>
        <location filename="../app/controllers/devicetext.cpp" line="51"/>
        <source>CPU (1 thread)</source>
        <translation>Processeur (1 fil)</translation>
    </message>
    <message>
        <location filename="../app/controllers/devicetext.cpp" line="52"/>
        <source>CPU (%1 threads)</source>
        <translation>Processeur (%1 fils)</translation>
    </message>
    <message>
        <location filename="../app/controllers/devicetext.cpp" line="59"/>
        <source>%1/%2 layers on GPU</source>
        <translation>%1/%2 couches sur le GPU</translation>
    </message>
    <message>
        <location filename="../app/controllers/devicetext.cpp" line="61"/>
        <source>%1 (%2; CUDA graphs off: %3)</source>
        <translation>%1 (%2 ; graphes CUDA désactivés : %3)</translation>
    </message>
    <message>
        <location filename="../app/controllers/devicetext.cpp" line="63"/>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location filename="../app/controllers/devicetext.cpp" line="72"/>
        <source>%1: running on the CPU</source>
        <translation>%1 : exécution sur le processeur</translation>
    </message>
</context>
<context>
    <name>Documents</name>
    <message>
        <location filename="../app/documents/docindex.cpp" line="103"/>
        <source>The document index %1 could not %2: %3.</source>
        <translation>L&apos;index des documents %1 n&apos;a pas pu %2 : %3.</translation>
    </message>
    <message>
        <location filename="../app/documents/docindex.cpp" line="115"/>
        <source>The document index %1 could not be opened: %2</source>
        <translation>L&apos;index des documents %1 n&apos;a pas pu être ouvert : %2</translation>
    </message>
    <message>
        <location filename="../app/documents/docindex.cpp" line="119"/>
        <source>be created</source>
        <translation>être créé</translation>
    </message>
    <message>
        <location filename="../app/documents/docindex.cpp" line="258"/>
        <location filename="../app/documents/docvectors.cpp" line="86"/>
        <source>start a transaction</source>
        <translation>démarrer une transaction</translation>
    </message>
    <message>
        <location filename="../app/documents/docindex.cpp" line="189"/>
        <source>be read</source>
        <translation>être lu</translation>
    </message>
    <message>
        <location filename="../app/documents/docindex.cpp" line="198"/>
        <location filename="../app/documents/docindex.cpp" line="206"/>
        <location filename="../app/documents/docindex.cpp" line="208"/>
        <location filename="../app/documents/docindex.cpp" line="210"/>
        <source>store a document</source>
        <translation>enregistrer un document</translation>
    </message>
    <message>
        <location filename="../app/documents/docindex.cpp" line="276"/>
        <location filename="../app/documents/docindex.cpp" line="283"/>
        <source>store a file</source>
        <translation>enregistrer un fichier</translation>
    </message>
    <message>
        <location filename="../app/documents/docindex.cpp" line="264"/>
        <location filename="../app/documents/docvectors.cpp" line="102"/>
        <source>commit</source>
        <translation>valider</translation>
    </message>
    <message>
        <location filename="../app/documents/docindex.cpp" line="227"/>
        <location filename="../app/documents/docindex.cpp" line="237"/>
        <source>remove a file</source>
        <translation>retirer un fichier</translation>
    </message>
    <message>
        <location filename="../app/documents/docindex.cpp" line="300"/>
        <source>remove unused documents</source>
        <translation>retirer les documents inutilisés</translation>
    </message>
    <message>
        <location filename="../app/documents/docindex.cpp" line="401"/>
        <location filename="../app/documents/docindex.cpp" line="405"/>
        <location filename="../app/documents/docindex.cpp" line="429"/>
        <location filename="../app/documents/docindex.cpp" line="434"/>
        <location filename="../app/documents/docindex.cpp" line="456"/>
        <location filename="../app/documents/docindex.cpp" line="460"/>
        <location filename="../app/documents/docindex.cpp" line="507"/>
        <location filename="../app/documents/docindex.cpp" line="511"/>
        <location filename="../app/documents/docvectors.cpp" line="121"/>
        <location filename="../app/documents/docvectors.cpp" line="129"/>
        <location filename="../app/documents/docvectors.cpp" line="133"/>
        <location filename="../app/documents/docvectors.cpp" line="144"/>
        <location filename="../app/documents/docvectors.cpp" line="152"/>
        <location filename="../app/documents/docvectors.cpp" line="182"/>
        <location filename="../app/documents/docvectors.cpp" line="185"/>
        <source>be searched</source>
        <translation>être interrogé</translation>
    </message>
    <message>
        <location filename="../app/documents/extract.cpp" line="89"/>
        <source>%1 does not exist (moved or deleted?).</source>
        <translation>%1 n&apos;existe pas (déplacé ou supprimé ?).</translation>
    </message>
    <message>
        <location filename="../app/documents/extract.cpp" line="91"/>
        <source>%1 is a folder, not a document.</source>
        <translation>%1 est un dossier, pas un document.</translation>
    </message>
    <message>
        <location filename="../app/documents/extract.cpp" line="93"/>
        <location filename="../app/documents/libraryindexer.cpp" line="52"/>
        <source>%1 is too large (%2; the limit is %3): not read.</source>
        <translation>%1 est trop volumineux (%2 ; la limite est de %3) : non lu.</translation>
    </message>
    <message>
        <location filename="../app/documents/extract.cpp" line="104"/>
        <location filename="../app/documents/libraryindexer.cpp" line="63"/>
        <source>%1 could not be read: %2.</source>
        <translation>%1 n&apos;a pas pu être lu : %2.</translation>
    </message>
    <message>
        <location filename="../app/documents/extract.cpp" line="108"/>
        <source>%1 is too large (the limit is %2): not read.</source>
        <translation>%1 est trop volumineux (la limite est de %2) : non lu.</translation>
    </message>
    <message>
        <location filename="../app/documents/extract_pdf.cpp" line="21"/>
        <source>%1 is encrypted (password-protected): not read.</source>
        <translation>%1 est chiffré (protégé par un mot de passe) : non lu.</translation>
    </message>
    <message>
        <location filename="../app/documents/extract_pdf.cpp" line="24"/>
        <source>%1 could not be read (moved or deleted?).</source>
        <translation>%1 n&apos;a pas pu être lu (déplacé ou supprimé ?).</translation>
    </message>
    <message>
        <location filename="../app/documents/extract_pdf.cpp" line="27"/>
        <source>%1 is not a readable PDF (damaged, or not a PDF at all).</source>
        <translation>%1 n&apos;est pas un PDF lisible (endommagé, ou pas un PDF).</translation>
    </message>
    <message>
        <location filename="../app/documents/extract_pdf.cpp" line="46"/>
        <source>%1 has no text layer (scanned: no text found); reading it would need OCR.</source>
        <translation>%1 n&apos;a pas de couche texte (numérisé : aucun texte trouvé) ; le lire demanderait une reconnaissance de caractères (OCR).</translation>
    </message>
    <message>
        <location filename="../app/documents/extract_text.cpp" line="83"/>
        <location filename="../app/documents/extract_text.cpp" line="99"/>
        <source>%1 is not a text file (it holds binary data).</source>
        <translation>%1 n&apos;est pas un fichier texte (il contient des données binaires).</translation>
    </message>
    <message>
        <location filename="../app/documents/extract_zipxml.cpp" line="33"/>
        <location filename="../app/documents/extract_zipxml.cpp" line="42"/>
        <location filename="../app/documents/extract_zipxml.cpp" line="61"/>
        <location filename="../app/documents/extract_zipxml.cpp" line="68"/>
        <source>%1 is not a readable %2 file (damaged zip).</source>
        <translation>%1 n&apos;est pas un fichier %2 lisible (zip endommagé).</translation>
    </message>
    <message>
        <location filename="../app/documents/extract_zipxml.cpp" line="36"/>
        <source>%1 is not a readable %2 file (it has no %3).</source>
        <translation>%1 n&apos;est pas un fichier %2 lisible (il n&apos;a pas de %3).</translation>
    </message>
    <message>
        <location filename="../app/documents/extract_zipxml.cpp" line="46"/>
        <source>%1 was refused: its text would be %2 once unzipped (the limit is %3, and at most %4 times its compressed size).</source>
        <translation>%1 a été refusé : son texte ferait %2 une fois décompressé (la limite est de %3, et au plus %4 fois sa taille compressée).</translation>
    </message>
    <message>
        <location filename="../app/documents/extract_zipxml.cpp" line="89"/>
        <source>unexpected document type declaration</source>
        <translation>déclaration de type de document inattendue</translation>
    </message>
    <message>
        <location filename="../app/documents/extract_zipxml.cpp" line="236"/>
        <source>%1 is not a readable %2 file (damaged XML: %3).</source>
        <translation>%1 n&apos;est pas un fichier %2 lisible (XML endommagé : %3).</translation>
    </message>
    <message>
        <location filename="../app/documents/libraryindexer.cpp" line="25"/>
        <source>%1 disappeared before it could be read; it is no longer indexed.</source>
        <translation>%1 a disparu avant d&apos;avoir pu être lu ; il n&apos;est plus indexé.</translation>
    </message>
    <message>
        <location filename="../app/documents/librarywalk.cpp" line="43"/>
        <source>The library folder %1 does not exist.</source>
        <translation>Le dossier de bibliothèque %1 n&apos;existe pas.</translation>
    </message>
    <message>
        <location filename="../app/documents/librarywalk.cpp" line="45"/>
        <source>%1 is not a folder.</source>
        <translation>%1 n&apos;est pas un dossier.</translation>
    </message>
    <message>
        <location filename="../app/documents/librarywalk.cpp" line="46"/>
        <source>The library folder %1 cannot be read (permission denied).</source>
        <translation>Le dossier de bibliothèque %1 ne peut pas être lu (permission refusée).</translation>
    </message>
    <message>
        <location filename="../app/documents/librarywalk.cpp" line="61"/>
        <source>The folder %1 cannot be read (permission denied); skipped.</source>
        <translation>Le dossier %1 ne peut pas être lu (permission refusée) ; ignoré.</translation>
    </message>
    <message>
        <location filename="../app/documents/librarywalk.cpp" line="71"/>
        <source>%1 is a link to nothing (%2); skipped.</source>
        <translation>%1 est un lien vers rien (%2) ; ignoré.</translation>
    </message>
    <message>
        <location filename="../app/documents/librarywalk.cpp" line="79"/>
        <source>%1 leads back to %2 (a symbolic link loop); skipped.</source>
        <translation>%1 ramène à %2 (une boucle de liens symboliques) ; ignoré.</translation>
    </message>
    <message>
        <location filename="../app/documents/librarywalk.cpp" line="87"/>
        <source>%1 is nested too deep (over %2 folders); skipped.</source>
        <translation>%1 est trop profondément imbriqué (plus de %2 dossiers) ; ignoré.</translation>
    </message>
    <message>
        <location filename="../app/documents/docvectors.cpp" line="69"/>
        <source>The embedding model %1 gave an empty vector.</source>
        <translation>Le modèle d’embeddings %1 a donné un vecteur vide.</translation>
    </message>
    <message>
        <location filename="../app/documents/docvectors.cpp" line="73"/>
        <source>The embedding model %1 gave a vector that is not finite.</source>
        <translation>Le modèle d’embeddings %1 a donné un vecteur non fini.</translation>
    </message>
    <message>
        <location filename="../app/documents/docvectors.cpp" line="76"/>
        <source>The embedding model %1 gave a vector of %2 dimensions where its vectors have %3: refused.</source>
        <translation>Le modèle d’embeddings %1 a donné un vecteur de %2 dimensions alors que ses vecteurs en ont %3 : refusé.</translation>
    </message>
    <message>
        <location filename="../app/documents/docvectors.cpp" line="99"/>
        <source>store vectors</source>
        <translation>enregistrer des vecteurs</translation>
    </message>
    <message>
        <location filename="../app/documents/docvectors.cpp" line="111"/>
        <source>remove vectors</source>
        <translation>supprimer des vecteurs</translation>
    </message>
    <message>
        <location filename="../app/documents/docvectors.cpp" line="170"/>
        <source>The question&apos;s vector has %1 dimensions but the index&apos;s vectors of %2 have %3: refused.</source>
        <translation>Le vecteur de la question a %1 dimensions, mais les vecteurs de %2 dans l’index en ont %3 : refusé.</translation>
    </message>
    <message>
        <location filename="../app/documents/embedder.cpp" line="19"/>
        <source>The embedding model %1 could not be used: %2</source>
        <translation>Le modèle d’embeddings %1 n’a pas pu être utilisé : %2</translation>
    </message>
    <message>
        <location filename="../app/documents/embedder.cpp" line="42"/>
        <source>The embedding model %1 failed: %2</source>
        <translation>Le modèle d’embeddings %1 a échoué : %2</translation>
    </message>
    <message>
        <location filename="../app/documents/embedder.cpp" line="82"/>
        <source>The embedding model %1 gave %2 vectors for %3 texts.</source>
        <translation>Le modèle d’embeddings %1 a donné %2 vecteurs pour %3 textes.</translation>
    </message>
</context>
<context>
    <name>DocumentsController</name>
    <message>
        <location filename="../app/controllers/documentscontroller.cpp" line="56"/>
        <location filename="../app/controllers/documentscontroller.cpp" line="61"/>
        <location filename="../app/controllers/documentscontroller.cpp" line="95"/>
        <source>%1 cannot be read (%2).</source>
        <translation>%1 ne peut pas être lu (%2).</translation>
    </message>
    <message>
        <location filename="../app/controllers/documentscontroller.cpp" line="76"/>
        <source>%1 does not exist (moved or deleted?).</source>
        <translation>%1 n’existe pas (déplacé ou supprimé ?).</translation>
    </message>
    <message>
        <location filename="../app/controllers/documentscontroller.cpp" line="80"/>
        <source>%1 is a folder: add it as a library in Settings → Libraries.</source>
        <translation>%1 est un dossier : ajoutez-le comme bibliothèque dans Paramètres → Bibliothèques.</translation>
    </message>
    <message>
        <location filename="../app/controllers/documentscontroller.cpp" line="88"/>
        <source>%1 is too large to send as an image (%2; the limit is %3).</source>
        <translation>%1 est trop volumineux pour être envoyé comme image (%2 ; la limite est de %3).</translation>
    </message>
    <message>
        <location filename="../app/controllers/documentscontroller.cpp" line="190"/>
        <source>This model cannot see images: the image will not be sent.</source>
        <translation>Ce modèle ne voit pas les images : l’image ne sera pas envoyée.</translation>
    </message>
    <message>
        <location filename="../app/controllers/documentscontroller.cpp" line="193"/>
        <source>The endpoint does not say how long its model&apos;s context is: documents of up to %L1 tokens in all are given whole, larger ones by the passages that best match each question.</source>
        <translation>Le point d&apos;accès n&apos;indique pas la longueur du contexte de son modèle : des documents totalisant jusqu&apos;à %L1 jetons sont donnés en entier, au-delà, les passages qui répondent le mieux à chaque question.</translation>
    </message>
</context>
<context>
    <name>EmbeddingSettings</name>
    <message>
        <location filename="../ui/EmbeddingSettings.qml" line="20"/>
        <source>Embedding model:</source>
        <translation>Modèle d’embeddings :</translation>
    </message>
    <message>
        <location filename="../ui/EmbeddingSettings.qml" line="25"/>
        <source>None (words only)</source>
        <translation>Aucun (mots seulement)</translation>
    </message>
    <message>
        <location filename="../ui/EmbeddingSettings.qml" line="26"/>
        <source>A local GGUF file</source>
        <translation>Un fichier GGUF local</translation>
    </message>
    <message>
        <location filename="../ui/EmbeddingSettings.qml" line="27"/>
        <source>A remote endpoint</source>
        <translation>Un point d’accès distant</translation>
    </message>
    <message>
        <location filename="../ui/EmbeddingSettings.qml" line="31"/>
        <source>Embedding model</source>
        <translation>Modèle d’embeddings</translation>
    </message>
    <message>
        <location filename="../ui/EmbeddingSettings.qml" line="44"/>
        <source>No file chosen (e.g. Qwen3-Embedding-0.6B GGUF)</source>
        <translation>Aucun fichier choisi (par ex. Qwen3-Embedding-0.6B en GGUF)</translation>
    </message>
    <message>
        <location filename="../ui/EmbeddingSettings.qml" line="47"/>
        <source>Choose a file…</source>
        <translation>Choisir un fichier…</translation>
    </message>
    <message>
        <location filename="../ui/EmbeddingSettings.qml" line="53"/>
        <source>Embedding model (GGUF)</source>
        <translation>Modèle d’embeddings (GGUF)</translation>
    </message>
    <message>
        <location filename="../ui/EmbeddingSettings.qml" line="54"/>
        <source>GGUF models (*.gguf)</source>
        <translation>Modèles GGUF (*.gguf)</translation>
    </message>
    <message>
        <location filename="../ui/EmbeddingSettings.qml" line="69"/>
        <source>Endpoint for embeddings</source>
        <translation>Point d’accès pour les embeddings</translation>
    </message>
    <message>
        <location filename="../ui/EmbeddingSettings.qml" line="75"/>
        <source>Model, e.g. mistral-embed</source>
        <translation>Modèle, par ex. mistral-embed</translation>
    </message>
    <message>
        <location filename="../ui/EmbeddingSettings.qml" line="76"/>
        <source>Embedding model name</source>
        <translation>Nom du modèle d’embeddings</translation>
    </message>
    <message>
        <location filename="../ui/EmbeddingSettings.qml" line="87"/>
        <source>The text of your library passages and of your questions is sent to this endpoint.</source>
        <translation>Le texte des passages de vos bibliothèques et de vos questions est envoyé à ce point d’accès.</translation>
    </message>
    <message>
        <location filename="../ui/EmbeddingSettings.qml" line="105"/>
        <source>Embedding passages: %1 of %2</source>
        <translation>Calcul des vecteurs des passages : %1 sur %2</translation>
    </message>
    <message>
        <location filename="../ui/EmbeddingSettings.qml" line="106"/>
        <source>Waiting to embed…</source>
        <translation>En attente du calcul des vecteurs…</translation>
    </message>
    <message>
        <location filename="../ui/EmbeddingSettings.qml" line="108"/>
        <source>%1 passages have vectors</source>
        <translation>%1 passages ont leur vecteur</translation>
    </message>
</context>
<context>
    <name>EmptyState</name>
    <message>
        <location filename="../ui/EmptyState.qml" line="15"/>
        <source>Explain</source>
        <translation>Expliquer</translation>
    </message>
    <message>
        <location filename="../ui/EmptyState.qml" line="15"/>
        <source>Explain how a language model predicts the next word, in simple terms.</source>
        <translation>Explique simplement comment un modèle de langage prédit le mot suivant.</translation>
    </message>
    <message>
        <location filename="../ui/EmptyState.qml" line="16"/>
        <source>Write code</source>
        <translation>Écrire du code</translation>
    </message>
    <message>
        <location filename="../ui/EmptyState.qml" line="16"/>
        <source>Write a Python function that removes duplicate lines from a file and keeps their order.</source>
        <translation>Écris une fonction Python qui supprime les lignes en double d’un fichier en gardant leur ordre.</translation>
    </message>
    <message>
        <location filename="../ui/EmptyState.qml" line="17"/>
        <source>Summarise</source>
        <translation>Résumer</translation>
    </message>
    <message>
        <location filename="../ui/EmptyState.qml" line="17"/>
        <source>Summarise the text I paste next in five bullet points.</source>
        <translation>Résume en cinq points le texte que je vais coller.</translation>
    </message>
    <message>
        <location filename="../ui/EmptyState.qml" line="18"/>
        <source>Translate</source>
        <translation>Traduire</translation>
    </message>
    <message>
        <location filename="../ui/EmptyState.qml" line="18"/>
        <source>Translate into French: “The meeting moves to Thursday at 10 a.m.”</source>
        <translation>Traduis en anglais : « La réunion est déplacée à jeudi 10 h. »</translation>
    </message>
    <message>
        <location filename="../ui/EmptyState.qml" line="25"/>
        <source>Causerie</source>
        <translation>Causerie</translation>
    </message>
    <message>
        <location filename="../ui/EmptyState.qml" line="36"/>
        <source>Ask anything. Your conversations stay on this computer.</source>
        <translation>Demandez ce que vous voulez. Vos conversations restent sur cet ordinateur.</translation>
    </message>
    <message>
        <location filename="../ui/EmptyState.qml" line="37"/>
        <source>Open a model file (.gguf) to start, or choose a remote endpoint.</source>
        <translation>Ouvrez un fichier de modèle (.gguf) pour commencer, ou choisissez un point d’accès distant.</translation>
    </message>
    <message>
        <location filename="../ui/EmptyState.qml" line="38"/>
        <source>Choose a model for this endpoint above.</source>
        <translation>Choisissez un modèle pour ce point d’accès ci-dessus.</translation>
    </message>
</context>
<context>
    <name>EndpointPolicy</name>
    <message>
        <location filename="../app/backends/endpointpolicy.cpp" line="24"/>
        <source>&quot;%1&quot; is not a usable address: it must start with http:// or https:// and name a server.</source>
        <translation>« %1 » n’est pas une adresse utilisable : elle doit commencer par http:// ou https:// et nommer un serveur.</translation>
    </message>
    <message>
        <location filename="../app/backends/endpointpolicy.cpp" line="28"/>
        <source>The address &quot;%1&quot; carries a user name or password (user:password@). Causerie sends credentials only as the API key: remove them from the address and enter the key in the API key field.</source>
        <translation>L’adresse « %1 » contient un nom d’utilisateur ou un mot de passe (utilisateur:motdepasse@). Causerie n’envoie d’identifiants que sous forme de clé d’API : retirez-les de l’adresse et saisissez la clé dans le champ Clé d’API.</translation>
    </message>
    <message>
        <location filename="../app/backends/endpointpolicy.cpp" line="33"/>
        <source>The address &quot;%1&quot; has a query string or a fragment (such as ?api-key=...). An address must not carry a key or parameters: remove everything from &quot;?&quot; or &quot;#&quot; on, and enter the key in the API key field.</source>
        <translation>L’adresse « %1 » contient une chaîne de requête ou un fragment (comme ?api-key=...). Une adresse ne doit porter ni clé ni paramètres : supprimez tout à partir de « ? » ou « # », et saisissez la clé dans le champ Clé d’API.</translation>
    </message>
    <message>
        <location filename="../app/backends/endpointpolicy.cpp" line="71"/>
        <source>Nothing was sent: the address %1 uses http://, so the API key would travel unencrypted to %2, which is not this computer.</source>
        <translation>Rien n’a été envoyé : l’adresse %1 utilise http://, la clé d’API voyagerait donc en clair jusqu’à %2, qui n’est pas cet ordinateur.</translation>
    </message>
    <message>
        <location filename="../app/backends/endpointpolicy.cpp" line="74"/>
        <source>Nothing was sent to &quot;%1&quot;: its address %2 uses http://, so the API key would travel unencrypted to %3, which is not this computer.</source>
        <translation>Rien n’a été envoyé à « %1 » : son adresse %2 utilise http://, la clé d’API voyagerait donc en clair jusqu’à %3, qui n’est pas cet ordinateur.</translation>
    </message>
</context>
<context>
    <name>EngineSettings</name>
    <message>
        <location filename="../ui/EngineSettings.qml" line="17"/>
        <source>Context size (0 = the model&apos;s, at most 4096)</source>
        <translation>Taille du contexte (0 = celle du modèle, 4096 au plus)</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="22"/>
        <source>Context size</source>
        <translation>Taille du contexte</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="25"/>
        <location filename="../ui/EngineSettings.qml" line="31"/>
        <source>Device</source>
        <translation>Matériel</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="27"/>
        <source>Automatic</source>
        <translation>Automatique</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="27"/>
        <source>CPU</source>
        <translation>Processeur</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="27"/>
        <source>NVIDIA GPU</source>
        <translation>Carte graphique NVIDIA</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="34"/>
        <source>GPU layers (-1 = as many as fit)</source>
        <translation>Couches sur la carte graphique (-1 = autant que possible)</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="39"/>
        <source>GPU layers</source>
        <translation>Couches sur la carte graphique</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="42"/>
        <location filename="../ui/EngineSettings.qml" line="49"/>
        <source>KV cache precision</source>
        <translation>Précision du cache KV</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="45"/>
        <source>F16</source>
        <translation>F16</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="45"/>
        <source>Q8_0 (half the memory)</source>
        <translation>Q8_0 (moitié de la mémoire)</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="55"/>
        <source>Q8_0 keeps the conversation in half the memory, with answers that may differ slightly; models whose attention heads are not multiples of 32 values keep F16.</source>
        <translation>Q8_0 garde la conversation dans la moitié de la mémoire, avec des réponses qui peuvent légèrement différer ; les modèles dont les têtes d'attention ne sont pas des multiples de 32 valeurs restent en F16.</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="59"/>
        <source>CPU threads (0 = automatic: all cores but one)</source>
        <translation>Fils du processeur (0 = automatique : tous les cœurs sauf un)</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="64"/>
        <source>CPU threads</source>
        <translation>Fils du processeur</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="70"/>
        <source>These take effect the next time a model is opened.</source>
        <translation>Ces réglages s’appliquent à la prochaine ouverture d’un modèle.</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="78"/>
        <location filename="../ui/EngineSettings.qml" line="79"/>
        <source>Reopen the model with these settings</source>
        <translation>Rouvrir le modèle avec ces réglages</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="88"/>
        <source>Conversations are saved as the model read them, so they resume at once after a switch or a restart.</source>
        <translation>Les conversations sont enregistrées telles que le modèle les a lues : elles reprennent aussitôt après un changement de conversation ou un redémarrage.</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="104"/>
        <source>When old messages no longer fit, keep what the model read of the rest (faster; answers may differ slightly from reading it again)</source>
        <translation>Quand les anciens messages ne tiennent plus, garder ce que le modèle a lu du reste (plus rapide ; les réponses peuvent différer légèrement d’une nouvelle lecture)</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="105"/>
        <source>Keep what the model read when old messages no longer fit</source>
        <translation>Garder ce que le modèle a lu quand les anciens messages ne tiennent plus</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="109"/>
        <source>Cache size limit (MiB, 0 = keep none)</source>
        <translation>Taille maximale du cache (Mio, 0 = ne rien garder)</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="115"/>
        <source>Cache size limit</source>
        <translation>Taille maximale du cache</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="120"/>
        <source>Cache: %1</source>
        <translation>Cache : %1</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="125"/>
        <location filename="../ui/EngineSettings.qml" line="126"/>
        <source>Clear cache</source>
        <translation>Vider le cache</translation>
    </message>
</context>
<context>
    <name>EngineWorker</name>
    <message>
        <location filename="../app/local/engineworker.cpp" line="173"/>
        <source>%1, %2 experts, %3 per token</source>
        <translation>%1, %2 experts, %3 par jeton</translation>
    </message>
    <message>
        <location filename="../app/local/engineworker.cpp" line="246"/>
        <source>No local model is open. Open a model file (.gguf) first.</source>
        <translation>Aucun modèle local n’est ouvert. Ouvrez d’abord un fichier de modèle (.gguf).</translation>
    </message>
    <message>
        <location filename="../app/local/engineworker.cpp" line="361"/>
        <source>The conversation could not be prepared for the model.</source>
        <translation>La conversation n’a pas pu être préparée pour le modèle.</translation>
    </message>
    <message>
        <location filename="../app/local/engineworker.cpp" line="373"/>
        <source>This message needs %1 tokens but the model&apos;s context holds %2. Shorten it, or raise the context size in Settings.</source>
        <translation>Ce message demande %1 jetons mais le contexte du modèle en contient %2. Raccourcissez-le, ou augmentez la taille du contexte dans les Réglages.</translation>
    </message>
    <message>
        <location filename="../app/local/engineworker.cpp" line="445"/>
        <source>The model stopped with an error.</source>
        <translation>Le modèle s’est arrêté sur une erreur.</translation>
    </message>
</context>
<context>
    <name>FolderDelegate</name>
    <message>
        <location filename="../ui/FolderDelegate.qml" line="25"/>
        <source>Folder %1, 1 conversation</source>
        <translation>Dossier %1, 1 conversation</translation>
    </message>
    <message>
        <location filename="../ui/FolderDelegate.qml" line="26"/>
        <source>Folder %1, %2 conversations</source>
        <translation>Dossier %1, %2 conversations</translation>
    </message>
    <message>
        <location filename="../ui/FolderDelegate.qml" line="27"/>
        <source>collapsed</source>
        <translation>replié</translation>
    </message>
    <message>
        <location filename="../ui/FolderDelegate.qml" line="27"/>
        <source>expanded</source>
        <translation>déplié</translation>
    </message>
    <message>
        <location filename="../ui/FolderDelegate.qml" line="66"/>
        <source>Folder actions</source>
        <translation>Actions du dossier</translation>
    </message>
    <message>
        <location filename="../ui/FolderDelegate.qml" line="119"/>
        <source>New chat in this folder</source>
        <translation>Nouvelle discussion dans ce dossier</translation>
    </message>
    <message>
        <location filename="../ui/FolderDelegate.qml" line="123"/>
        <source>Rename…</source>
        <translation>Renommer…</translation>
    </message>
    <message>
        <location filename="../ui/FolderDelegate.qml" line="127"/>
        <source>Folder settings…</source>
        <translation>Réglages du dossier…</translation>
    </message>
    <message>
        <location filename="../ui/FolderDelegate.qml" line="132"/>
        <source>Move up</source>
        <translation>Monter</translation>
    </message>
    <message>
        <location filename="../ui/FolderDelegate.qml" line="138"/>
        <source>Move down</source>
        <translation>Descendre</translation>
    </message>
    <message>
        <location filename="../ui/FolderDelegate.qml" line="144"/>
        <source>Delete folder…</source>
        <translation>Supprimer le dossier…</translation>
    </message>
</context>
<context>
    <name>FolderSettingsDialog</name>
    <message>
        <location filename="../ui/FolderSettingsDialog.qml" line="37"/>
        <source>Folder settings</source>
        <translation>Réglages du dossier</translation>
    </message>
    <message>
        <location filename="../ui/FolderSettingsDialog.qml" line="37"/>
        <source>New folder</source>
        <translation>Nouveau dossier</translation>
    </message>
    <message>
        <location filename="../ui/FolderSettingsDialog.qml" line="44"/>
        <source>Name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <location filename="../ui/FolderSettingsDialog.qml" line="50"/>
        <source>Folder name</source>
        <translation>Nom du dossier</translation>
    </message>
    <message>
        <location filename="../ui/FolderSettingsDialog.qml" line="55"/>
        <location filename="../ui/FolderSettingsDialog.qml" line="63"/>
        <source>Default system prompt</source>
        <translation>Prompt système par défaut</translation>
    </message>
    <message>
        <location filename="../ui/FolderSettingsDialog.qml" line="64"/>
        <source>None: the app&apos;s default</source>
        <translation>Aucun : celui de l’application</translation>
    </message>
    <message>
        <location filename="../ui/FolderSettingsDialog.qml" line="71"/>
        <source>New conversations in this folder start with this system prompt.</source>
        <translation>Les nouvelles conversations de ce dossier commencent avec ce prompt système.</translation>
    </message>
    <message>
        <location filename="../ui/FolderSettingsDialog.qml" line="78"/>
        <source>Libraries its new conversations search</source>
        <translation>Bibliothèques consultées par ses nouvelles conversations</translation>
    </message>
    <message>
        <location filename="../ui/FolderSettingsDialog.qml" line="100"/>
        <source>Documents its new conversations start with</source>
        <translation>Documents joints à ses nouvelles conversations</translation>
    </message>
    <message>
        <location filename="../ui/FolderSettingsDialog.qml" line="117"/>
        <source>Remove %1</source>
        <translation>Retirer %1</translation>
    </message>
    <message>
        <location filename="../ui/FolderSettingsDialog.qml" line="131"/>
        <source>Add documents…</source>
        <translation>Ajouter des documents…</translation>
    </message>
    <message>
        <location filename="../ui/FolderSettingsDialog.qml" line="148"/>
        <source>Documents for this folder</source>
        <translation>Documents de ce dossier</translation>
    </message>
</context>
<context>
    <name>IconButton</name>
    <message>
        <location filename="../ui/IconButton.qml" line="32"/>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
</context>
<context>
    <name>JumpToLatest</name>
    <message>
        <location filename="../ui/JumpToLatest.qml" line="26"/>
        <source>Jump to the latest message</source>
        <translation>Aller au dernier message</translation>
    </message>
    <message>
        <location filename="../ui/JumpToLatest.qml" line="27"/>
        <source>Ctrl+End</source>
        <translation>Ctrl+Fin</translation>
    </message>
</context>
<context>
    <name>KvCacheController</name>
    <message>
        <location filename="../app/controllers/kvcachecontroller.cpp" line="30"/>
        <source>Cache cleared</source>
        <translation>Cache vidé</translation>
    </message>
</context>
<context>
    <name>LibrariesController</name>
    <message>
        <location filename="../app/controllers/librariescontroller.cpp" line="216"/>
        <source>Give the library a name.</source>
        <translation>Donnez un nom à la bibliothèque.</translation>
    </message>
    <message>
        <location filename="../app/controllers/librariescontroller.cpp" line="218"/>
        <source>A library named %1 already exists.</source>
        <translation>Une bibliothèque nommée %1 existe déjà.</translation>
    </message>
    <message>
        <location filename="../app/controllers/librariescontroller.cpp" line="222"/>
        <source>%1 is not a folder.</source>
        <translation>%1 n’est pas un dossier.</translation>
    </message>
    <message>
        <location filename="../app/controllers/librariescontroller.cpp" line="224"/>
        <source>The folder %1 cannot be read (permission denied).</source>
        <translation>Le dossier %1 ne peut pas être lu (permission refusée).</translation>
    </message>
    <message>
        <location filename="../app/controllers/librariescontroller.cpp" line="228"/>
        <source>The list of libraries could not be saved in %1.</source>
        <translation>La liste des bibliothèques n’a pas pu être enregistrée dans %1.</translation>
    </message>
</context>
<context>
    <name>LibrariesSettings</name>
    <message>
        <location filename="../ui/LibrariesSettings.qml" line="22"/>
        <source>A library is a folder of documents (text, Markdown, code, HTML, PDF, DOCX, ODT) that a conversation can search when you tick it in Chat options. Nothing leaves this computer.</source>
        <translation>Une bibliothèque est un dossier de documents (texte, Markdown, code, HTML, PDF, DOCX, ODT) qu’une conversation peut consulter quand vous la cochez dans les options de la conversation. Rien ne quitte cet ordinateur.</translation>
    </message>
    <message>
        <location filename="../ui/LibrariesSettings.qml" line="31"/>
        <source>Name, e.g. Contracts</source>
        <translation>Nom, p. ex. Contrats</translation>
    </message>
    <message>
        <location filename="../ui/LibrariesSettings.qml" line="32"/>
        <source>Library name</source>
        <translation>Nom de la bibliothèque</translation>
    </message>
    <message>
        <location filename="../ui/LibrariesSettings.qml" line="35"/>
        <source>Choose a folder…</source>
        <translation>Choisir un dossier…</translation>
    </message>
    <message>
        <location filename="../ui/LibrariesSettings.qml" line="57"/>
        <source>Folder of the library</source>
        <translation>Dossier de la bibliothèque</translation>
    </message>
    <message>
        <location filename="../ui/LibrariesSettings.qml" line="113"/>
        <source>Indexing %1 of %2: %3</source>
        <translation>Indexation %1 sur %2 : %3</translation>
    </message>
    <message>
        <location filename="../ui/LibrariesSettings.qml" line="114"/>
        <source>Waiting to be indexed…</source>
        <translation>En attente d’indexation…</translation>
    </message>
    <message>
        <location filename="../ui/LibrariesSettings.qml" line="116"/>
        <source>%1 files indexed</source>
        <translation>%1 fichiers indexés</translation>
    </message>
    <message>
        <location filename="../ui/LibrariesSettings.qml" line="117"/>
        <source>%1 could not be read; last: %2</source>
        <translation>%1 n’ont pas pu être lus ; dernier : %2</translation>
    </message>
    <message>
        <location filename="../ui/LibrariesSettings.qml" line="121"/>
        <source>Re-index</source>
        <translation>Réindexer</translation>
    </message>
    <message>
        <location filename="../ui/LibrariesSettings.qml" line="127"/>
        <source>Remove</source>
        <translation>Retirer</translation>
    </message>
    <message>
        <location filename="../ui/LibrariesSettings.qml" line="134"/>
        <source>Remove, keep its index</source>
        <translation>Retirer, garder son index</translation>
    </message>
    <message>
        <location filename="../ui/LibrariesSettings.qml" line="139"/>
        <source>Remove and forget its index</source>
        <translation>Retirer et oublier son index</translation>
    </message>
</context>
<context>
    <name>LocalBackend</name>
    <message>
        <location filename="../app/local/localbackend.cpp" line="172"/>
        <source>Local model</source>
        <translation>Modèle local</translation>
    </message>
</context>
<context>
    <name>LocalModelController</name>
    <message>
        <location filename="../app/controllers/localmodelcontroller.cpp" line="123"/>
        <source>Template not recognised; using %1</source>
        <translation>Format de discussion non reconnu ; %1 est utilisé</translation>
    </message>
    <message>
        <location filename="../app/controllers/localmodelcontroller.cpp" line="167"/>
        <source>Causerie closed while opening a model last time; it was not reopened. Open it again from the model menu.</source>
        <translation>Causerie s’est fermé pendant l’ouverture d’un modèle la dernière fois ; il n’a pas été rouvert. Ouvrez-le de nouveau depuis le menu des modèles.</translation>
    </message>
    <message>
        <location filename="../app/controllers/localmodelcontroller.cpp" line="169"/>
        <source>Causerie closed while opening %1 last time; it was not reopened. Open it again from the model menu.</source>
        <translation>Causerie s’est fermé pendant l’ouverture de %1 la dernière fois ; il n’a pas été rouvert. Ouvrez-le de nouveau depuis le menu des modèles.</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <location filename="../ui/Main.qml" line="20"/>
        <source>Causerie</source>
        <translation>Causerie</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="20"/>
        <source>Causerie — %1</source>
        <translation>Causerie — %1</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="164"/>
        <source>%1 conversations deleted.</source>
        <translation>%1 conversations supprimées.</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="165"/>
        <source>Conversation deleted.</source>
        <translation>Conversation supprimée.</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="168"/>
        <source>Undo</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="170"/>
        <source>Undo delete</source>
        <translation>Annuler la suppression</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="183"/>
        <location filename="../ui/Main.qml" line="223"/>
        <source>Something went wrong</source>
        <translation>Un problème est survenu</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="207"/>
        <source>The model could not be opened</source>
        <translation>Le modèle n’a pas pu être ouvert</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="212"/>
        <source>The model is not (entirely) on the GPU</source>
        <translation>Le modèle n’est pas (entièrement) sur la carte graphique</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="213"/>
        <source>%1 was opened, but not as the settings asked (device: NVIDIA GPU).</source>
        <translation>%1 a été ouvert, mais pas comme le demandent les réglages (matériel : carte graphique NVIDIA).</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="215"/>
        <source>It works, more slowly. Settings → Engine chooses the device and the number of GPU layers.</source>
        <translation>Il fonctionne, plus lentement. Réglages → Moteur permet de choisir le matériel et le nombre de couches sur la carte graphique.</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="252"/>
        <source>Your conversations could not be opened</source>
        <translation>Vos conversations n’ont pas pu être ouvertes</translation>
    </message>
</context>
<context>
    <name>MessageDelegate</name>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="46"/>
        <source>%1 tokens, %2 from cache</source>
        <translation>%1 jetons, dont %2 depuis le cache</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="80"/>
        <source>You</source>
        <translation>Vous</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="80"/>
        <location filename="../ui/MessageDelegate.qml" line="106"/>
        <source>Assistant</source>
        <translation>Assistant</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="129"/>
        <source>Thinking…</source>
        <translation>Réflexion…</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="129"/>
        <source>Thought process</source>
        <translation>Raisonnement</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="135"/>
        <source>Hide the model&apos;s thinking</source>
        <translation>Masquer la réflexion du modèle</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="135"/>
        <source>Show the model&apos;s thinking</source>
        <translation>Afficher la réflexion du modèle</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="154"/>
        <source>The model&apos;s thinking</source>
        <translation>La réflexion du modèle</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="194"/>
        <source>Message text</source>
        <translation>Texte du message</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="272"/>
        <source>This answer was interrupted when Causerie closed.</source>
        <translation>Cette réponse a été interrompue à la fermeture de Causerie.</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="273"/>
        <source>Stopped.</source>
        <translation>Arrêtée.</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="296"/>
        <source>Message actions</source>
        <translation>Actions du message</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="347"/>
        <source>Previous version</source>
        <translation>Version précédente</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="353"/>
        <source>%1/%2</source>
        <translation>%1/%2</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="361"/>
        <source>Next version</source>
        <translation>Version suivante</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="399"/>
        <source>Stop reading</source>
        <translation>Arrêter la lecture</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="401"/>
        <source>Read aloud</source>
        <translation>Lire à voix haute</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="369"/>
        <source>Copy message</source>
        <translation>Copier le message</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="377"/>
        <source>Edit message</source>
        <translation>Modifier le message</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="386"/>
        <source>Regenerate answer</source>
        <translation>Régénérer la réponse</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="409"/>
        <source>Answer details</source>
        <translation>Détails de la réponse</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="433"/>
        <source>Model</source>
        <translation>Modèle</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="435"/>
        <source>Backend</source>
        <translation>Moteur</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="437"/>
        <source>Prompt tokens</source>
        <translation>Jetons de la requête</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="442"/>
        <source>Answer tokens</source>
        <translation>Jetons de la réponse</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="444"/>
        <source>Time to first token</source>
        <translation>Délai du premier jeton</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="445"/>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="446"/>
        <source>Speed</source>
        <translation>Vitesse</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="447"/>
        <source>%1 tokens/s</source>
        <translation>%1 jetons/s</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="448"/>
        <source>Finish reason</source>
        <translation>Raison de fin</translation>
    </message>
</context>
<context>
    <name>MessageSegment</name>
    <message>
        <location filename="../ui/MessageSegment.qml" line="55"/>
        <source>Message text</source>
        <translation>Texte du message</translation>
    </message>
    <message>
        <location filename="../ui/MessageSegment.qml" line="141"/>
        <source>Open this link?</source>
        <translation>Ouvrir ce lien ?</translation>
    </message>
    <message>
        <location filename="../ui/MessageSegment.qml" line="141"/>
        <source>This link is not opened</source>
        <translation>Ce lien n’est pas ouvert</translation>
    </message>
    <message>
        <location filename="../ui/MessageSegment.qml" line="152"/>
        <source>It leads to:</source>
        <translation>Il mène à :</translation>
    </message>
    <message>
        <location filename="../ui/MessageSegment.qml" line="153"/>
        <source>Causerie opens only web (http, https) and e-mail (mailto) links from a conversation. This one is:</source>
        <translation>Causerie n’ouvre depuis une conversation que les liens web (http, https) et de courriel (mailto). Celui-ci est :</translation>
    </message>
    <message>
        <location filename="../ui/MessageSegment.qml" line="183"/>
        <source>Copy</source>
        <translation>Copier</translation>
    </message>
    <message>
        <location filename="../ui/MessageSegment.qml" line="190"/>
        <location filename="../ui/MessageSegment.qml" line="251"/>
        <location filename="../ui/MessageSegment.qml" line="254"/>
        <source>Copy LaTeX</source>
        <translation>Copier le LaTeX</translation>
    </message>
    <message>
        <location filename="../ui/MessageSegment.qml" line="244"/>
        <source>Formula source</source>
        <translation>Source de la formule</translation>
    </message>
    <message>
        <location filename="../ui/MessageSegment.qml" line="306"/>
        <source>code</source>
        <translation>code</translation>
    </message>
    <message>
        <location filename="../ui/MessageSegment.qml" line="316"/>
        <source>Copy code</source>
        <translation>Copier le code</translation>
    </message>
    <message>
        <location filename="../ui/MessageSegment.qml" line="336"/>
        <source>Code</source>
        <translation>Code</translation>
    </message>
</context>
<context>
    <name>ModelCatalog</name>
    <message>
        <location filename="../app/catalog/catalogentry.cpp" line="30"/>
        <location filename="../app/catalog/catalogentry.cpp" line="46"/>
        <source>is missing</source>
        <translation>est absent</translation>
    </message>
    <message>
        <location filename="../app/catalog/catalogentry.cpp" line="34"/>
        <source>must be a string</source>
        <translation>doit être une chaîne de caractères</translation>
    </message>
    <message>
        <location filename="../app/catalog/catalogentry.cpp" line="51"/>
        <source>must be a whole number of 0 or more</source>
        <translation>doit être un nombre entier positif ou nul</translation>
    </message>
    <message>
        <location filename="../app/catalog/catalogentry.cpp" line="60"/>
        <source>%1: field &quot;%2&quot; %3</source>
        <translation>%1 : le champ « %2 » %3</translation>
    </message>
    <message>
        <location filename="../app/catalog/catalogentry.cpp" line="75"/>
        <location filename="../app/catalog/catalogentry.cpp" line="77"/>
        <source>is empty</source>
        <translation>est vide</translation>
    </message>
    <message>
        <location filename="../app/catalog/catalogentry.cpp" line="79"/>
        <source>must be an https:// address</source>
        <translation>doit être une adresse https://</translation>
    </message>
    <message>
        <location filename="../app/catalog/catalogentry.cpp" line="81"/>
        <source>must be a plain file name ending in .gguf (no folders, no &quot;..&quot;)</source>
        <translation>doit être un simple nom de fichier terminé par .gguf (sans dossier ni « .. »)</translation>
    </message>
    <message>
        <location filename="../app/catalog/catalogentry.cpp" line="83"/>
        <source>must be the last part of the url</source>
        <translation>doit être la dernière partie de l’url</translation>
    </message>
    <message>
        <location filename="../app/catalog/catalogentry.cpp" line="85"/>
        <source>is 0 and no approxSize is given</source>
        <translation>vaut 0 et aucun approxSize n’est donné</translation>
    </message>
    <message>
        <location filename="../app/catalog/catalogentry.cpp" line="87"/>
        <source>must be empty or 64 lower-case hexadecimal digits</source>
        <translation>doit être vide ou faire 64 chiffres hexadécimaux en minuscules</translation>
    </message>
    <message>
        <location filename="../app/catalog/catalogentry.cpp" line="89"/>
        <location filename="../app/catalog/catalogentry.cpp" line="91"/>
        <source>must be more than 0</source>
        <translation>doit être supérieur à 0</translation>
    </message>
    <message>
        <location filename="../app/catalog/catalogentry.cpp" line="116"/>
        <source>%1 is not valid JSON: %2 at byte %3</source>
        <translation>%1 n’est pas du JSON valide : %2 à l’octet %3</translation>
    </message>
    <message>
        <location filename="../app/catalog/catalogentry.cpp" line="120"/>
        <source>%1 must be a JSON object with a &quot;models&quot; list</source>
        <translation>%1 doit être un objet JSON avec une liste « models »</translation>
    </message>
    <message>
        <location filename="../app/catalog/catalogentry.cpp" line="128"/>
        <source>%1: entry %2 is not a JSON object</source>
        <translation>%1 : l’entrée %2 n’est pas un objet JSON</translation>
    </message>
    <message>
        <location filename="../app/catalog/catalogentry.cpp" line="133"/>
        <source>%1: entry %2</source>
        <translation>%1 : entrée %2</translation>
    </message>
    <message>
        <location filename="../app/catalog/catalogentry.cpp" line="134"/>
        <source>%1: entry &quot;%2&quot;</source>
        <translation>%1 : entrée « %2 »</translation>
    </message>
    <message>
        <location filename="../app/catalog/catalogentry.cpp" line="158"/>
        <source>%1: field &quot;id&quot; is used by two entries</source>
        <translation>%1 : le champ « id » est utilisé par deux entrées</translation>
    </message>
    <message>
        <location filename="../app/catalog/catalogentry.cpp" line="162"/>
        <source>%1: field &quot;file&quot; is used by two entries</source>
        <translation>%1 : le champ « file » est utilisé par deux entrées</translation>
    </message>
    <message>
        <location filename="../app/catalog/catalogentry.cpp" line="170"/>
        <source>%1 lists no models</source>
        <translation>%1 ne liste aucun modèle</translation>
    </message>
    <message>
        <location filename="../app/catalog/modelcatalog.cpp" line="54"/>
        <source>cannot read the model catalog %1: %2</source>
        <translation>impossible de lire le catalogue de modèles %1 : %2</translation>
    </message>
    <message>
        <location filename="../app/catalog/modelcatalog.cpp" line="125"/>
        <source>This machine: %1 of RAM (%2 free now)</source>
        <translation>Cette machine : %1 de mémoire vive (%2 libres maintenant)</translation>
    </message>
    <message>
        <location filename="../app/catalog/modelcatalog.cpp" line="128"/>
        <source>%1; GPU %2 with %3 free</source>
        <translation>%1 ; carte graphique %2 avec %3 libres</translation>
    </message>
    <message>
        <location filename="../app/catalog/modelcatalog.cpp" line="129"/>
        <source>%1; no GPU (%2)</source>
        <translation>%1 ; pas de carte graphique (%2)</translation>
    </message>
    <message>
        <location filename="../app/catalog/modelcatalog.cpp" line="154"/>
        <source>about %1</source>
        <translation>environ %1</translation>
    </message>
    <message>
        <location filename="../app/catalog/modelcatalog.cpp" line="166"/>
        <source>checking the %1 already downloaded</source>
        <translation>vérification des %1 déjà téléchargés</translation>
    </message>
    <message>
        <location filename="../app/catalog/modelcatalog.cpp" line="167"/>
        <source>asking the server about the file…</source>
        <translation>demande au serveur des informations sur le fichier…</translation>
    </message>
    <message>
        <location filename="../app/catalog/modelcatalog.cpp" line="169"/>
        <source>%1 of %2</source>
        <translation>%1 sur %2</translation>
    </message>
    <message>
        <location filename="../app/catalog/modelcatalog.cpp" line="171"/>
        <source>%1, %2/s</source>
        <translation>%1, %2/s</translation>
    </message>
    <message>
        <location filename="../app/catalog/modelcatalog.cpp" line="177"/>
        <source>no checksum in the catalog: the download is checked against the SHA-256 the server publishes, if it does</source>
        <translation>pas de somme de contrôle dans le catalogue : le téléchargement est vérifié avec le SHA-256 que publie le serveur, s’il en publie un</translation>
    </message>
    <message>
        <location filename="../app/catalog/systemmemory.cpp" line="42"/>
        <source>this build has no GPU support</source>
        <translation>cette version n’a pas de prise en charge des cartes graphiques</translation>
    </message>
    <message>
        <location filename="../app/catalog/systemmemory.cpp" line="109"/>
        <source>%1 GiB</source>
        <translation>%1 Gio</translation>
    </message>
    <message>
        <location filename="../app/catalog/systemmemory.cpp" line="112"/>
        <source>%1 MiB</source>
        <translation>%1 Mio</translation>
    </message>
    <message>
        <location filename="../app/catalog/systemmemory.cpp" line="114"/>
        <source>%1 KiB</source>
        <translation>%1 Kio</translation>
    </message>
    <message>
        <location filename="../app/catalog/systemmemory.cpp" line="115"/>
        <source>%1 bytes</source>
        <translation>%1 octets</translation>
    </message>
    <message>
        <location filename="../app/catalog/systemmemory.cpp" line="121"/>
        <source>Fits on GPU</source>
        <translation>Tient sur la carte graphique</translation>
    </message>
    <message>
        <location filename="../app/catalog/systemmemory.cpp" line="123"/>
        <source>Fits in RAM</source>
        <translation>Tient en mémoire vive</translation>
    </message>
    <message>
        <location filename="../app/catalog/systemmemory.cpp" line="125"/>
        <source>Needs %1, this machine has %2</source>
        <translation>Demande %1, cette machine a %2</translation>
    </message>
</context>
<context>
    <name>ModelCatalogPage</name>
    <message>
        <location filename="../ui/ModelCatalogPage.qml" line="26"/>
        <source>Download a model</source>
        <translation>Télécharger un modèle</translation>
    </message>
    <message>
        <location filename="../ui/ModelCatalogPage.qml" line="43"/>
        <source>Models are saved in %1</source>
        <translation>Les modèles sont enregistrés dans %1</translation>
    </message>
    <message>
        <location filename="../ui/ModelCatalogPage.qml" line="65"/>
        <source>Recommended models</source>
        <translation>Modèles recommandés</translation>
    </message>
    <message>
        <location filename="../ui/ModelCatalogPage.qml" line="96"/>
        <source>%1 (%2, %3)</source>
        <translation>%1 (%2, %3)</translation>
    </message>
    <message>
        <location filename="../ui/ModelCatalogPage.qml" line="109"/>
        <source>Download %1, needs %2 of memory, license %3</source>
        <translation>Téléchargement de %1, demande %2 de mémoire, licence %3</translation>
    </message>
    <message>
        <location filename="../ui/ModelCatalogPage.qml" line="120"/>
        <source>Download progress of %1</source>
        <translation>Progression du téléchargement de %1</translation>
    </message>
    <message>
        <location filename="../ui/ModelCatalogPage.qml" line="125"/>
        <source>Paused at %1</source>
        <translation>En pause à %1</translation>
    </message>
    <message>
        <location filename="../ui/ModelCatalogPage.qml" line="133"/>
        <source>Download failed: %1</source>
        <translation>Échec du téléchargement : %1</translation>
    </message>
    <message>
        <location filename="../ui/ModelCatalogPage.qml" line="151"/>
        <source>Download</source>
        <translation>Télécharger</translation>
    </message>
    <message>
        <location filename="../ui/ModelCatalogPage.qml" line="152"/>
        <source>Download %1</source>
        <translation>Télécharger %1</translation>
    </message>
    <message>
        <location filename="../ui/ModelCatalogPage.qml" line="157"/>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <location filename="../ui/ModelCatalogPage.qml" line="158"/>
        <source>Pause the download of %1</source>
        <translation>Mettre en pause le téléchargement de %1</translation>
    </message>
    <message>
        <location filename="../ui/ModelCatalogPage.qml" line="163"/>
        <source>Resume</source>
        <translation>Reprendre</translation>
    </message>
    <message>
        <location filename="../ui/ModelCatalogPage.qml" line="164"/>
        <source>Resume the download of %1</source>
        <translation>Reprendre le téléchargement de %1</translation>
    </message>
    <message>
        <location filename="../ui/ModelCatalogPage.qml" line="170"/>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <location filename="../ui/ModelCatalogPage.qml" line="171"/>
        <source>Cancel the download of %1 and delete the partial file</source>
        <translation>Annuler le téléchargement de %1 et supprimer le fichier partiel</translation>
    </message>
    <message>
        <location filename="../ui/ModelCatalogPage.qml" line="176"/>
        <source>Use</source>
        <translation>Utiliser</translation>
    </message>
    <message>
        <location filename="../ui/ModelCatalogPage.qml" line="177"/>
        <source>Open %1</source>
        <translation>Ouvrir %1</translation>
    </message>
</context>
<context>
    <name>ModelDialog</name>
    <message>
        <location filename="../ui/ModelDialog.qml" line="33"/>
        <source>Local model</source>
        <translation>Modèle local</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="43"/>
        <source>Open a model</source>
        <translation>Ouvrir un modèle</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="44"/>
        <source>GGUF models (*.gguf)</source>
        <translation>Modèles GGUF (*.gguf)</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="44"/>
        <source>All files (*)</source>
        <translation>Tous les fichiers (*)</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="55"/>
        <source>Open model…</source>
        <translation>Ouvrir un modèle…</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="56"/>
        <source>Open model file</source>
        <translation>Ouvrir un fichier de modèle</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="61"/>
        <source>Download a model…</source>
        <translation>Télécharger un modèle…</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="62"/>
        <source>Download a model</source>
        <translation>Télécharger un modèle</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="71"/>
        <source>Loading the model</source>
        <translation>Chargement du modèle</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="87"/>
        <source>Name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="89"/>
        <source>Architecture</source>
        <translation>Architecture</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="91"/>
        <source>Parameters</source>
        <translation>Paramètres</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="93"/>
        <source>Quantization</source>
        <translation>Quantification</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="95"/>
        <source>File size</source>
        <translation>Taille du fichier</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="97"/>
        <source>Context</source>
        <translation>Contexte</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="98"/>
        <source>%1 tokens (trained for %2)</source>
        <translation>%1 jetons (entraîné pour %2)</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="99"/>
        <source>Chat format</source>
        <translation>Format de discussion</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="111"/>
        <source>Device</source>
        <translation>Matériel</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="126"/>
        <source>Recent models</source>
        <translation>Modèles récents</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="143"/>
        <source>Open %1</source>
        <translation>Ouvrir %1</translation>
    </message>
</context>
<context>
    <name>ModelDownloader</name>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="83"/>
        <source>the file name &quot;%1&quot; is not a plain .gguf file name; nothing was downloaded</source>
        <translation>le nom de fichier « %1 » n’est pas un simple nom de fichier .gguf ; rien n’a été téléchargé</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="89"/>
        <source>the address &quot;%1&quot; is not an http(s) address; nothing was downloaded</source>
        <translation>l’adresse « %1 » n’est pas une adresse http(s) ; rien n’a été téléchargé</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="94"/>
        <source>cannot create the model folder %1: check that its parent folder exists and is writable</source>
        <translation>impossible de créer le dossier des modèles %1 : vérifiez que son dossier parent existe et est accessible en écriture</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="102"/>
        <source>%1 is a link or not a regular file; remove it and try again</source>
        <translation>%1 est un lien ou n’est pas un fichier ordinaire ; supprimez-le et réessayez</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="108"/>
        <source>cannot write in the model folder %1 (%2): check its permissions or choose another folder</source>
        <translation>impossible d’écrire dans le dossier des modèles %1 (%2) : vérifiez ses droits ou choisissez un autre dossier</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="167"/>
        <source> (commit %1)</source>
        <translation> (commit %1)</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="171"/>
        <source>the server now has a different file than the catalog describes (SHA-256 %1… instead of %2…%3): nothing was downloaded; the catalog needs an update</source>
        <translation>le serveur a maintenant un autre fichier que celui décrit par le catalogue (SHA-256 %1… au lieu de %2…%3) : rien n’a été téléchargé ; le catalogue doit être mis à jour</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="184"/>
        <source>the server&apos;s file has %1 bytes but the catalog says %2%3: nothing was downloaded; the catalog needs an update</source>
        <translation>le fichier du serveur fait %1 octets mais le catalogue indique %2%3 : rien n’a été téléchargé ; le catalogue doit être mis à jour</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="211"/>
        <source>not enough free space in %1: the model needs %2 more and %3 is free. Free some space, or choose another model folder in Settings, then try again</source>
        <translation>pas assez d’espace libre dans %1 : le modèle demande encore %2 et %3 sont libres. Libérez de la place, ou choisissez un autre dossier des modèles dans les Réglages, puis réessayez</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="233"/>
        <source>cannot read the partial file %1: %2</source>
        <translation>impossible de lire le fichier partiel %1 : %2</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="287"/>
        <source>the server did not resume at byte %1 (it sent &quot;Content-Range: %2&quot;): the partial file was deleted; try again</source>
        <translation>le serveur n’a pas repris à l’octet %1 (il a envoyé « Content-Range: %2 ») : le fichier partiel a été supprimé ; réessayez</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="321"/>
        <source>the server refused to resume at byte %1 (HTTP 416): the partial file was deleted; try again</source>
        <translation>le serveur a refusé de reprendre à l’octet %1 (HTTP 416) : le fichier partiel a été supprimé ; réessayez</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="326"/>
        <source>the file is not on the server (HTTP 404 at %1): the catalog&apos;s address may be out of date</source>
        <translation>le fichier n’est pas sur le serveur (HTTP 404 à %1) : l’adresse du catalogue n’est peut-être plus à jour</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="331"/>
        <source>the server answered HTTP %1 %2 for %3</source>
        <translation>le serveur a répondu HTTP %1 %2 pour %3</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="336"/>
        <source>the server&apos;s file has %1 bytes but the catalog says %2: the catalog may be out of date; the partial file was deleted</source>
        <translation>le fichier du serveur fait %1 octets mais le catalogue indique %2 : le catalogue n’est peut-être plus à jour ; le fichier partiel a été supprimé</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="338"/>
        <source>the server sends %1 bytes but announced %2: the partial file was deleted; try again</source>
        <translation>le serveur envoie %1 octets mais en avait annoncé %2 : le fichier partiel a été supprimé ; réessayez</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="355"/>
        <source>the server sent more than the %1 bytes expected: the partial file was deleted; try again</source>
        <translation>le serveur a envoyé plus que les %1 octets attendus : le fichier partiel a été supprimé ; réessayez</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="462"/>
        <source>checked against the SHA-256 the server publishes for this file; the catalog lists none</source>
        <translation>vérifié avec le SHA-256 que le serveur publie pour ce fichier ; le catalogue n’en donne pas</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="464"/>
        <source>no checksum published, neither in the catalog nor by the server: the file cannot be verified</source>
        <translation>aucune somme de contrôle publiée, ni dans le catalogue ni par le serveur : le fichier ne peut pas être vérifié</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="366"/>
        <source>only %1 of %2 bytes were written</source>
        <translation>seuls %1 octets sur %2 ont été écrits</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="367"/>
        <source>could not write to %1 (%2): is the disk full? The partial file is kept: free some space and press Resume</source>
        <translation>impossible d’écrire dans %1 (%2) : le disque est-il plein ? Le fichier partiel est conservé : libérez de la place et appuyez sur Reprendre</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="413"/>
        <source>no data arrived for %1 s</source>
        <translation>aucune donnée reçue depuis %1 s</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="416"/>
        <source>the download could not start (%1): check the network connection and try again</source>
        <translation>le téléchargement n’a pas pu démarrer (%1) : vérifiez la connexion réseau et réessayez</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="420"/>
        <source>the download stopped at %1 of %2 (%3). The partial file is kept: press Resume to continue</source>
        <translation>le téléchargement s’est arrêté à %1 sur %2 (%3). Le fichier partiel est conservé : appuyez sur Reprendre pour continuer</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="421"/>
        <source>an unknown size</source>
        <translation>une taille inconnue</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="426"/>
        <source>the connection closed early, at %1 of %2 bytes. The partial file is kept: press Resume to continue</source>
        <translation>la connexion s’est fermée trop tôt, à %1 octets sur %2. Le fichier partiel est conservé : appuyez sur Reprendre pour continuer</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="439"/>
        <source>the downloaded file has %1 bytes instead of %2: it was deleted; try again</source>
        <translation>le fichier téléchargé fait %1 octets au lieu de %2 : il a été supprimé ; réessayez</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="450"/>
        <source>the downloaded file is damaged (SHA-256 mismatch): it was deleted; try again</source>
        <translation>le fichier téléchargé est endommagé (SHA-256 différent) : il a été supprimé ; réessayez</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="455"/>
        <source>the downloaded file is not a GGUF model (it does not start with &quot;GGUF&quot;; the server may have sent a web page): it was deleted</source>
        <translation>le fichier téléchargé n’est pas un modèle GGUF (il ne commence pas par « GGUF » ; le serveur a peut-être envoyé une page web) : il a été supprimé</translation>
    </message>
    <message>
        <location filename="../app/catalog/modeldownloader.cpp" line="468"/>
        <source>could not rename %1 to %2; the downloaded file is kept under the first name</source>
        <translation>impossible de renommer %1 en %2 ; le fichier téléchargé est conservé sous le premier nom</translation>
    </message>
</context>
<context>
    <name>ModelPicker</name>
    <message>
        <location filename="../ui/ModelPicker.qml" line="24"/>
        <source>Model details…</source>
        <translation>Détails du modèle…</translation>
    </message>
    <message>
        <location filename="../ui/ModelPicker.qml" line="31"/>
        <source>Download a model…</source>
        <translation>Télécharger un modèle…</translation>
    </message>
    <message>
        <location filename="../ui/ModelPicker.qml" line="38"/>
        <source>Open a file…</source>
        <translation>Ouvrir un fichier…</translation>
    </message>
    <message>
        <location filename="../ui/ModelPicker.qml" line="49"/>
        <source>Recent models</source>
        <translation>Modèles récents</translation>
    </message>
    <message>
        <location filename="../ui/ModelPicker.qml" line="70"/>
        <source>Open %1</source>
        <translation>Ouvrir %1</translation>
    </message>
</context>
<context>
    <name>ReadAloud</name>
    <message>
        <location filename="../app/controllers/readaloud.cpp" line="80"/>
        <source>The speech engine did not start speaking.</source>
        <translation>Le moteur de synthèse vocale n’a pas commencé à parler.</translation>
    </message>
    <message>
        <location filename="../app/controllers/readaloud.cpp" line="109"/>
        <source>No speech engine is installed.</source>
        <translation>Aucun moteur de synthèse vocale n’est installé.</translation>
    </message>
    <message>
        <location filename="../app/controllers/readaloud.cpp" line="123"/>
        <location filename="../app/controllers/readaloud.cpp" line="126"/>
        <source>Read aloud is unavailable: %1</source>
        <translation>La lecture à voix haute est indisponible : %1</translation>
    </message>
    <message>
        <location filename="../app/controllers/speechtextconverter.cpp" line="44"/>
        <source>(code block)</source>
        <translation>(bloc de code)</translation>
    </message>
    <message>
        <location filename="../app/controllers/speechtextconverter.cpp" line="52"/>
        <source>(formula)</source>
        <translation>(formule)</translation>
    </message>
    <message>
        <location filename="../app/controllers/speechtextconverter.cpp" line="60"/>
        <source>(long line)</source>
        <translation>(ligne longue)</translation>
    </message>
</context>
<context>
    <name>RemoteBackend</name>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="165"/>
        <source>No model is chosen for this remote endpoint.</source>
        <translation>Aucun modèle n’est choisi pour ce point d’accès distant.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="277"/>
        <source>The server at %1 sent nothing for %2 seconds, so the request was stopped. Try again; if it keeps happening the server may be overloaded.</source>
        <translation>Le serveur %1 n’a rien envoyé pendant %2 secondes : la requête a été arrêtée. Réessayez ; si cela se répète, le serveur est peut-être surchargé.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="306"/>
        <source>The server&apos;s answer is too large to be read.</source>
        <translation>La réponse du serveur est trop grande pour être lue.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="332"/>
        <source>The server sent an event too large to be read.</source>
        <translation>Le serveur a envoyé un événement trop grand pour être lu.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="363"/>
        <source>The answer grew past %L1 characters, the most Causerie accepts for one answer, so it was stopped. The text so far is kept.</source>
        <translation>La réponse a dépassé %L1 caractères, le maximum que Causerie accepte pour une réponse ; elle a donc été arrêtée. Le texte déjà reçu est conservé.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="423"/>
        <source>The server sent a part of the answer Causerie could not read; the answer is incomplete.</source>
        <translation>Le serveur a envoyé une partie de la réponse que Causerie n’a pas pu lire ; la réponse est incomplète.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="429"/>
        <source>The server reported an error in the middle of the answer; the answer is incomplete.</source>
        <translation>Le serveur a signalé une erreur au milieu de la réponse ; la réponse est incomplète.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="447"/>
        <source>The model stopped with an error on the server; the answer is incomplete.</source>
        <translation>Le modèle s’est arrêté sur une erreur côté serveur ; la réponse est incomplète.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="477"/>
        <source>The server at %1 redirected the request to %2, another server. Causerie does not follow it, so the API key was not sent there. If the service moved, change the endpoint&apos;s base URL in Settings.</source>
        <translation>Le serveur %1 a redirigé la requête vers %2, un autre serveur. Causerie ne suit pas cette redirection : la clé d’API n’y a pas été envoyée. Si le service a déménagé, modifiez l’URL de base du point d’accès dans les Réglages.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="504"/>
        <source>The server at %1 did not answer like a chat API. Check the base URL of the endpoint.</source>
        <translation>Le serveur %1 n’a pas répondu comme une API de discussion. Vérifiez l’URL de base du point d’accès.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="510"/>
        <source>The connection closed before the answer was complete.</source>
        <translation>La connexion s’est fermée avant la fin de la réponse.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="511"/>
        <source>The server closed the connection without sending an answer.</source>
        <translation>Le serveur a fermé la connexion sans envoyer de réponse.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="31"/>
        <source>The server asks to wait %1 seconds before trying again.</source>
        <translation>Le serveur demande d’attendre %1 secondes avant de réessayer.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="33"/>
        <source>The server asks to wait %1 minutes before trying again.</source>
        <translation>Le serveur demande d’attendre %1 minutes avant de réessayer.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="34"/>
        <source>The server asks to wait more than a day before trying again.</source>
        <translation>Le serveur demande d’attendre plus d’un jour avant de réessayer.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="154"/>
        <source>The endpoint address &quot;%1&quot; is not usable.</source>
        <translation>L’adresse du point d’accès « %1 » n’est pas utilisable.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="161"/>
        <source>Use an https:// address, or tick &quot;Allow insecure connection (key sent unencrypted)&quot; for this endpoint in Settings.</source>
        <translation>Utilisez une adresse https://, ou cochez « Autoriser la connexion non sécurisée (clé envoyée en clair) » pour ce point d’accès dans les Réglages.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="554"/>
        <source>The server&apos;s model list could not be read.</source>
        <translation>La liste des modèles du serveur n’a pas pu être lue.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="566"/>
        <source>The server&apos;s answer could not be read.</source>
        <translation>La réponse du serveur n’a pas pu être lue.</translation>
    </message>
</context>
<context>
    <name>RemoteEmbeddings</name>
    <message>
        <location filename="../app/backends/remoteembedder.cpp" line="45"/>
        <source>The endpoint&apos;s answer to /v1/embeddings is not a list of vectors.</source>
        <translation>La réponse du point d’accès à /v1/embeddings n’est pas une liste de vecteurs.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteembedder.cpp" line="55"/>
        <source>The endpoint gave %1 vectors for %2 texts.</source>
        <translation>Le point d’accès a donné %1 vecteurs pour %2 textes.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteembedder.cpp" line="96"/>
        <source>The endpoint address &quot;%1&quot; is not usable.</source>
        <translation>L’adresse du point d’accès « %1 » n’est pas utilisable.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteembedder.cpp" line="106"/>
        <source>No embedding model is named for the endpoint %1.</source>
        <translation>Aucun modèle d’embeddings n’est indiqué pour le point d’accès %1.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteembedder.cpp" line="139"/>
        <source>The server at %1 redirected the request to another server. Causerie does not follow it, so the API key was not sent there.</source>
        <translation>Le serveur %1 a redirigé la requête vers un autre serveur. Causerie ne suit pas cette redirection : la clé d’API n’y a pas été envoyée.</translation>
    </message>
</context>
<context>
    <name>RemoteErrors</name>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="16"/>
        <source>Server says: %1</source>
        <translation>Le serveur indique : %1</translation>
    </message>
    <message numerus="yes">
        <location filename="../app/backends/remoteerrors.cpp" line="21"/>
        <source>(Tried %n times.)</source>
        <translation>
            <numerusform>(%n essai.)</numerusform>
            <numerusform>(%n essais.)</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="47"/>
        <source>The server rejected the request.</source>
        <translation>Le serveur a rejeté la requête.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="51"/>
        <source>The API key was refused. Check the key saved for this endpoint in Settings.</source>
        <translation>La clé d’API a été refusée. Vérifiez la clé enregistrée pour ce point d’accès dans les Réglages.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="55"/>
        <source>This account cannot be billed for the request (no credit or no active plan). Check billing in your provider&apos;s console.</source>
        <translation>Ce compte ne peut pas être facturé pour la requête (pas de crédit ou pas d’abonnement actif). Vérifiez la facturation dans la console de votre fournisseur.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="61"/>
        <source>This API key is not allowed to use model &quot;%1&quot; on this endpoint.</source>
        <translation>Cette clé d’API n’est pas autorisée à utiliser le modèle « %1 » sur ce point d’accès.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="67"/>
        <source>Model &quot;%1&quot; or the API address was not found. Check the model name and the base URL of the endpoint.</source>
        <translation>Le modèle « %1 » ou l’adresse de l’API est introuvable. Vérifiez le nom du modèle et l’URL de base du point d’accès.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="74"/>
        <source>The server refused a setting of this request.</source>
        <translation>Le serveur a refusé un réglage de cette requête.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="78"/>
        <source>Rate limit or quota reached. Wait a moment before sending again, or check your plan&apos;s limits.</source>
        <translation>Limite de débit ou quota atteint. Patientez un peu avant de renvoyer, ou vérifiez les limites de votre abonnement.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="85"/>
        <source>The server had a problem (HTTP %1). Try again later.</source>
        <translation>Le serveur a rencontré un problème (HTTP %1). Réessayez plus tard.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="90"/>
        <source>The server answered with unexpected HTTP status %1.</source>
        <translation>Le serveur a répondu avec un statut HTTP inattendu : %1.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="103"/>
        <source>Could not connect to %1: the connection was refused. Is the server running, and is the port right?</source>
        <translation>Connexion impossible à %1 : la connexion a été refusée. Le serveur est-il démarré, et le port est-il le bon ?</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="110"/>
        <source>Could not find the server &quot;%1&quot;. Check the address and your internet connection.</source>
        <translation>Serveur « %1 » introuvable. Vérifiez l’adresse et votre connexion à Internet.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="119"/>
        <source>The secure connection to %1 could not be established or its certificate could not be verified, so nothing was sent.</source>
        <translation>La connexion sécurisée à %1 n’a pas pu être établie ou son certificat n’a pas pu être vérifié : rien n’a été envoyé.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="126"/>
        <source>The server closed the connection before the answer was complete.</source>
        <translation>Le serveur a fermé la connexion avant la fin de la réponse.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="129"/>
        <source>The server at %1 stopped responding.</source>
        <translation>Le serveur %1 ne répond plus.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="133"/>
        <source>Network error while talking to %1.</source>
        <translation>Erreur réseau lors de l’échange avec %1.</translation>
    </message>
</context>
<context>
    <name>RemoteSettings</name>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="33"/>
        <source>No system keychain is available: keys are kept in memory until Causerie quits, never on disk.</source>
        <translation>Aucun trousseau système n’est disponible : les clés restent en mémoire jusqu’à la fermeture de Causerie, jamais sur le disque.</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="44"/>
        <source>Endpoints</source>
        <translation>Points d’accès</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="68"/>
        <source>Name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="73"/>
        <source>Mistral AI</source>
        <translation>Mistral AI</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="74"/>
        <source>Endpoint name</source>
        <translation>Nom du point d’accès</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="76"/>
        <location filename="../ui/RemoteSettings.qml" line="82"/>
        <source>Base URL</source>
        <translation>URL de base</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="84"/>
        <location filename="../ui/RemoteSettings.qml" line="92"/>
        <source>API key</source>
        <translation>Clé d’API</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="90"/>
        <source>Enter the key again</source>
        <translation>Saisissez de nouveau la clé</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="91"/>
        <source>Unchanged</source>
        <translation>Inchangée</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="91"/>
        <source>Key (kept in the system keychain)</source>
        <translation>Clé (conservée dans le trousseau système)</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="101"/>
        <source>Allow insecure connection (key sent unencrypted)</source>
        <translation>Autoriser la connexion non sécurisée (clé envoyée en clair)</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="114"/>
        <source>The address now points to another server, so its saved API key was forgotten. Enter the key again (none is needed for a local server).</source>
        <translation>L’adresse désigne maintenant un autre serveur : la clé d’API enregistrée a donc été oubliée. Saisissez de nouveau la clé (inutile pour un serveur local).</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="115"/>
        <source>This address points to another server (scheme, host or port): saving forgets the saved API key, so enter it again.</source>
        <translation>Cette adresse désigne un autre serveur (schéma, hôte ou port) : l’enregistrer oublie la clé d’API enregistrée, saisissez-la donc de nouveau.</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="121"/>
        <source>Save</source>
        <translation>Enregistrer</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="121"/>
        <source>Add endpoint</source>
        <translation>Ajouter le point d’accès</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="135"/>
        <source>New</source>
        <translation>Nouveau</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="139"/>
        <source>Remove</source>
        <translation>Retirer</translation>
    </message>
</context>
<context>
    <name>SafeMarkdown</name>
    <message>
        <location filename="../app/highlight/safemarkdown.cpp" line="180"/>
        <source>image: %1</source>
        <translation>image : %1</translation>
    </message>
    <message>
        <location filename="../app/highlight/safemarkdown.cpp" line="181"/>
        <source>image: %1 — %2</source>
        <translation>image : %1 — %2</translation>
    </message>
</context>
<context>
    <name>SamplingSettings</name>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="20"/>
        <location filename="../ui/SamplingSettings.qml" line="27"/>
        <source>Temperature</source>
        <translation>Température</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="30"/>
        <location filename="../ui/SamplingSettings.qml" line="37"/>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="40"/>
        <source>Top-k (0 = off)</source>
        <translation>Top-k (0 = désactivé)</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="45"/>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="48"/>
        <location filename="../ui/SamplingSettings.qml" line="55"/>
        <source>Min-p</source>
        <translation>Min-p</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="58"/>
        <location filename="../ui/SamplingSettings.qml" line="65"/>
        <source>Repetition penalty</source>
        <translation>Pénalité de répétition</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="68"/>
        <source>Maximum answer length (0 = no limit)</source>
        <translation>Longueur maximale de la réponse (0 = sans limite)</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="73"/>
        <source>Maximum answer length</source>
        <translation>Longueur maximale de la réponse</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="76"/>
        <source>Seed (-1 = random)</source>
        <translation>Graine (-1 = aléatoire)</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="81"/>
        <source>Seed</source>
        <translation>Graine</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="86"/>
        <location filename="../ui/SamplingSettings.qml" line="95"/>
        <source>Default system prompt</source>
        <translation>Consigne système par défaut</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="105"/>
        <source>Instructions given to the model before every conversation</source>
        <translation>Instructions données au modèle avant chaque conversation</translation>
    </message>
</context>
<context>
    <name>SearchHitDelegate</name>
    <message>
        <location filename="../ui/SearchHitDelegate.qml" line="13"/>
        <source>Title</source>
        <translation>Titre</translation>
    </message>
    <message>
        <location filename="../ui/SearchHitDelegate.qml" line="13"/>
        <source>In messages</source>
        <translation>Dans les messages</translation>
    </message>
    <message>
        <location filename="../ui/SearchHitDelegate.qml" line="15"/>
        <source>%1, found in: %2</source>
        <translation>%1, trouvé dans : %2</translation>
    </message>
</context>
<context>
    <name>SelectionBar</name>
    <message>
        <location filename="../ui/SelectionBar.qml" line="18"/>
        <source>Selected conversations</source>
        <translation>Conversations sélectionnées</translation>
    </message>
    <message>
        <location filename="../ui/SelectionBar.qml" line="26"/>
        <source>Selected: %1</source>
        <translation>Sélection : %1</translation>
    </message>
    <message>
        <location filename="../ui/SelectionBar.qml" line="33"/>
        <source>Move to folder</source>
        <translation>Déplacer vers un dossier</translation>
    </message>
    <message>
        <location filename="../ui/SelectionBar.qml" line="50"/>
        <source>No folder</source>
        <translation>Aucun dossier</translation>
    </message>
    <message>
        <location filename="../ui/SelectionBar.qml" line="58"/>
        <source>Pin</source>
        <translation>Épingler</translation>
    </message>
    <message>
        <location filename="../ui/SelectionBar.qml" line="64"/>
        <source>Unpin</source>
        <translation>Désépingler</translation>
    </message>
    <message>
        <location filename="../ui/SelectionBar.qml" line="70"/>
        <source>Export for import (JSON)…</source>
        <translation>Exporter pour importer (JSON)…</translation>
    </message>
    <message>
        <location filename="../ui/SelectionBar.qml" line="76"/>
        <source>Delete…</source>
        <translation>Supprimer…</translation>
    </message>
    <message>
        <location filename="../ui/SelectionBar.qml" line="82"/>
        <source>Clear the selection</source>
        <translation>Effacer la sélection</translation>
    </message>
    <message>
        <location filename="../ui/SelectionBar.qml" line="92"/>
        <source>Export the selected conversations to a folder</source>
        <translation>Exporter les conversations sélectionnées dans un dossier</translation>
    </message>
</context>
<context>
    <name>ServerController</name>
    <message>
        <location filename="../app/controllers/servercontroller.cpp" line="165"/>
        <source>Other computers can use the server only with an API key: set or generate one.</source>
        <translation>D’autres ordinateurs ne peuvent utiliser le serveur qu’avec une clé d’API : saisissez-en une ou générez-la.</translation>
    </message>
    <message>
        <location filename="../app/controllers/servercontroller.cpp" line="188"/>
        <source>Ports %1 to %2 are all in use: choose another port.</source>
        <translation>Les ports %1 à %2 sont tous occupés : choisissez un autre port.</translation>
    </message>
    <message>
        <location filename="../app/controllers/servercontroller.cpp" line="192"/>
        <source>This build of Causerie has no local server (Qt HttpServer was missing when it was built).</source>
        <translation>Cette version de Causerie n’a pas de serveur local (Qt HttpServer manquait à la compilation).</translation>
    </message>
</context>
<context>
    <name>ServerSettings</name>
    <message>
        <location filename="../ui/ServerSettings.qml" line="16"/>
        <source>Other programs on this computer (editors, scripts, agents) can use the open model through an OpenAI-compatible address. Nothing listens until you turn it on.</source>
        <translation>Les autres programmes de cet ordinateur (éditeurs, scripts, agents) peuvent utiliser le modèle ouvert par une adresse compatible OpenAI. Rien n’écoute tant que vous ne l’activez pas.</translation>
    </message>
    <message>
        <location filename="../ui/ServerSettings.qml" line="24"/>
        <location filename="../ui/ServerSettings.qml" line="25"/>
        <source>Run the local server</source>
        <translation>Lancer le serveur local</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/ServerSettings.qml" line="34"/>
        <source>Listening at %1 · %n request(s) served</source>
        <translation>
            <numerusform>À l’écoute sur %1 · %n requête servie</numerusform>
            <numerusform>À l’écoute sur %1 · %n requêtes servies</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/ServerSettings.qml" line="49"/>
        <location filename="../ui/ServerSettings.qml" line="56"/>
        <source>Port</source>
        <translation>Port</translation>
    </message>
    <message>
        <location filename="../ui/ServerSettings.qml" line="54"/>
        <source>8080, or the next free port</source>
        <translation>8080, ou le prochain port libre</translation>
    </message>
    <message>
        <location filename="../ui/ServerSettings.qml" line="60"/>
        <location filename="../ui/ServerSettings.qml" line="70"/>
        <source>API key</source>
        <translation>Clé d’API</translation>
    </message>
    <message>
        <location filename="../ui/ServerSettings.qml" line="69"/>
        <source>None (only this computer)</source>
        <translation>Aucune (cet ordinateur seulement)</translation>
    </message>
    <message>
        <location filename="../ui/ServerSettings.qml" line="81"/>
        <source>Hide</source>
        <translation>Masquer</translation>
    </message>
    <message>
        <location filename="../ui/ServerSettings.qml" line="81"/>
        <source>Show</source>
        <translation>Afficher</translation>
    </message>
    <message>
        <location filename="../ui/ServerSettings.qml" line="82"/>
        <source>Show the API key</source>
        <translation>Afficher la clé d’API</translation>
    </message>
    <message>
        <location filename="../ui/ServerSettings.qml" line="85"/>
        <source>Generate</source>
        <translation>Générer</translation>
    </message>
    <message>
        <location filename="../ui/ServerSettings.qml" line="86"/>
        <source>Generate an API key</source>
        <translation>Générer une clé d’API</translation>
    </message>
    <message>
        <location filename="../ui/ServerSettings.qml" line="91"/>
        <source>Copy</source>
        <translation>Copier</translation>
    </message>
    <message>
        <location filename="../ui/ServerSettings.qml" line="92"/>
        <source>Copy the API key</source>
        <translation>Copier la clé d’API</translation>
    </message>
    <message>
        <location filename="../ui/ServerSettings.qml" line="100"/>
        <source>No system keychain is available: the key is kept in memory until Causerie quits, never on disk.</source>
        <translation>Aucun trousseau système n’est disponible : la clé est gardée en mémoire jusqu’à la fermeture de Causerie, jamais sur le disque.</translation>
    </message>
    <message>
        <location filename="../ui/ServerSettings.qml" line="109"/>
        <source>Allow other computers on the network (needs an API key)</source>
        <translation>Autoriser les autres ordinateurs du réseau (clé d’API requise)</translation>
    </message>
    <message>
        <location filename="../ui/ServerSettings.qml" line="110"/>
        <source>Allow other computers on the network</source>
        <translation>Autoriser les autres ordinateurs du réseau</translation>
    </message>
    <message>
        <location filename="../ui/ServerSettings.qml" line="117"/>
        <source>Web pages allowed
(one origin a line)</source>
        <translation>Pages web autorisées
(une origine par ligne)</translation>
    </message>
    <message>
        <location filename="../ui/ServerSettings.qml" line="125"/>
        <source>None: web pages cannot use the server</source>
        <translation>Aucune : les pages web ne peuvent pas utiliser le serveur</translation>
    </message>
    <message>
        <location filename="../ui/ServerSettings.qml" line="126"/>
        <source>Web pages allowed to use the server</source>
        <translation>Pages web autorisées à utiliser le serveur</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../ui/SettingsDialog.qml" line="27"/>
        <source>Settings</source>
        <translation>Réglages</translation>
    </message>
    <message>
        <location filename="../ui/SettingsDialog.qml" line="38"/>
        <source>Answers</source>
        <translation>Réponses</translation>
    </message>
    <message>
        <location filename="../ui/SettingsDialog.qml" line="39"/>
        <source>Engine</source>
        <translation>Moteur</translation>
    </message>
    <message>
        <location filename="../ui/SettingsDialog.qml" line="40"/>
        <source>Remote</source>
        <translation>Distant</translation>
    </message>
    <message>
        <location filename="../ui/SettingsDialog.qml" line="41"/>
        <source>Local server</source>
        <translation>Serveur local</translation>
    </message>
    <message>
        <location filename="../ui/SettingsDialog.qml" line="42"/>
        <source>Appearance</source>
        <translation>Apparence</translation>
    </message>
    <message>
        <location filename="../ui/SettingsDialog.qml" line="43"/>
        <source>Libraries</source>
        <translation>Bibliothèques</translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <location filename="../ui/Sidebar.qml" line="74"/>
        <location filename="../ui/Sidebar.qml" line="78"/>
        <source>New chat</source>
        <translation>Nouvelle discussion</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="90"/>
        <source>Import a conversation exported as JSON</source>
        <translation>Importer une conversation exportée en JSON</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="101"/>
        <source>Import a conversation</source>
        <translation>Importer une conversation</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="103"/>
        <source>Causerie conversation (*.json)</source>
        <translation>Conversation Causerie (*.json)</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="103"/>
        <source>All files (*)</source>
        <translation>Tous les fichiers (*)</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="84"/>
        <source>New folder</source>
        <translation>Nouveau dossier</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="115"/>
        <source>Search (Ctrl+K)</source>
        <translation>Rechercher (Ctrl+K)</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="116"/>
        <source>Search conversations</source>
        <translation>Rechercher dans les conversations</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="145"/>
        <source>Conversations</source>
        <translation>Conversations</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="211"/>
        <source>No conversations yet.</source>
        <translation>Pas encore de conversation.</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="225"/>
        <source>Search results</source>
        <translation>Résultats de la recherche</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="240"/>
        <source>Nothing found.</source>
        <translation>Aucun résultat.</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="264"/>
        <source>Delete this folder?</source>
        <translation>Supprimer ce dossier ?</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="267"/>
        <source>The folder “%1” will be deleted. Its conversations are kept and go back to the list.</source>
        <translation>Le dossier « %1 » sera supprimé. Ses conversations sont conservées et reviennent dans la liste.</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="283"/>
        <source>Delete %1 conversations?</source>
        <translation>Supprimer %1 conversations ?</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="284"/>
        <source>Delete this conversation?</source>
        <translation>Supprimer cette conversation ?</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="287"/>
        <source>You can undo this for a few seconds.</source>
        <translation>Vous pouvez annuler pendant quelques secondes.</translation>
    </message>
</context>
<context>
    <name>SourcesView</name>
    <message>
        <location filename="../ui/SourcesView.qml" line="21"/>
        <source>Sources</source>
        <translation>Sources</translation>
    </message>
    <message>
        <location filename="../ui/SourcesView.qml" line="38"/>
        <source>Open %1</source>
        <translation>Ouvrir %1</translation>
    </message>
    <message>
        <location filename="../ui/SourcesView.qml" line="56"/>
        <source>page %1</source>
        <translation>page %1</translation>
    </message>
    <message>
        <location filename="../ui/SourcesView.qml" line="80"/>
        <source>Open this file?</source>
        <translation>Ouvrir ce fichier ?</translation>
    </message>
    <message>
        <location filename="../ui/SourcesView.qml" line="88"/>
        <source>Causerie will ask your system to open this file with its usual program:
%1</source>
        <translation>Causerie va demander à votre système d’ouvrir ce fichier avec son programme habituel :
%1</translation>
    </message>
</context>
<context>
    <name>StatusLine</name>
    <message numerus="yes">
        <location filename="../ui/StatusLine.qml" line="39"/>
        <source>Server %1 · %n request(s)</source>
        <translation>
            <numerusform>Serveur %1 · %n requête</numerusform>
            <numerusform>Serveur %1 · %n requêtes</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/StatusLine.qml" line="46"/>
        <source>Last answer: %1 tokens/s</source>
        <translation>Dernière réponse : %1 jetons/s</translation>
    </message>
</context>
<context>
    <name>TopBar</name>
    <message>
        <location filename="../ui/TopBar.qml" line="49"/>
        <source>Local model</source>
        <translation>Modèle local</translation>
    </message>
    <message>
        <location filename="../ui/TopBar.qml" line="75"/>
        <source>Backend for this conversation</source>
        <translation>Moteur de cette conversation</translation>
    </message>
    <message>
        <location filename="../ui/TopBar.qml" line="99"/>
        <source>Imported. Causerie answers it with the backend chosen on the left, never with this one unless you choose it.</source>
        <translation>Importée. Causerie y répond avec le moteur choisi à gauche, jamais avec celui-ci sauf si vous le choisissez.</translation>
    </message>
    <message>
        <location filename="../ui/TopBar.qml" line="116"/>
        <source>Remote model</source>
        <translation>Modèle distant</translation>
    </message>
    <message>
        <location filename="../ui/TopBar.qml" line="132"/>
        <source>Loading model…</source>
        <translation>Chargement du modèle…</translation>
    </message>
    <message>
        <location filename="../ui/TopBar.qml" line="134"/>
        <source>Choose a model</source>
        <translation>Choisir un modèle</translation>
    </message>
    <message>
        <location filename="../ui/TopBar.qml" line="161"/>
        <source>Local model: %1</source>
        <translation>Modèle local : %1</translation>
    </message>
    <message>
        <location filename="../ui/TopBar.qml" line="164"/>
        <source>Choose the model</source>
        <translation>Choisir le modèle</translation>
    </message>
    <message>
        <location filename="../ui/TopBar.qml" line="182"/>
        <source>Options of this conversation</source>
        <translation>Options de cette conversation</translation>
    </message>
    <message>
        <location filename="../ui/TopBar.qml" line="190"/>
        <source>Settings</source>
        <translation>Réglages</translation>
    </message>
</context>
<context>
    <name>TurnWorkspace</name>
    <message>
        <location filename="../app/controllers/turnworkspace.cpp" line="39"/>
        <source>The conversation database could not be opened: %1</source>
        <translation>La base des conversations n&apos;a pas pu être ouverte : %1</translation>
    </message>
</context>
<context>
    <name>causerie::server::OpenAiServer</name>
    <message>
        <location filename="../app/server/openaiserver.cpp" line="248"/>
        <source>Listening on %1 would let other computers use the model: set an API key (--api-key or CAUSERIE_SERVER_KEY) to allow it.</source>
        <translation>Écouter sur %1 permettrait à d’autres ordinateurs d’utiliser le modèle : définissez une clé d’API (--api-key ou CAUSERIE_SERVER_KEY) pour l’autoriser.</translation>
    </message>
    <message>
        <location filename="../app/server/openaiserver.cpp" line="256"/>
        <source>Cannot listen on %1 port %2: %3</source>
        <translation>Impossible d’écouter sur %1, port %2 : %3</translation>
    </message>
</context>
<context>
    <name>causerie::storage::InstanceGuard</name>
    <message>
        <location filename="../app/storage/instanceguard.cpp" line="44"/>
        <source>Cannot create the data folder %1; check its permissions.</source>
        <translation>Impossible de créer le dossier des données %1 ; vérifiez ses droits.</translation>
    </message>
    <message>
        <location filename="../app/storage/instanceguard.cpp" line="59"/>
        <source>Causerie is already running with the data folder %1.</source>
        <translation>Causerie est déjà ouvert avec le dossier des données %1.</translation>
    </message>
    <message>
        <location filename="../app/storage/instanceguard.cpp" line="62"/>
        <source>The data folder %1 is not writable; Causerie cannot keep its conversations there.</source>
        <translation>Le dossier des données %1 n’est pas accessible en écriture ; Causerie ne peut pas y conserver ses conversations.</translation>
    </message>
    <message>
        <location filename="../app/storage/instanceguard.cpp" line="66"/>
        <source>Cannot lock the data folder %1.</source>
        <translation>Impossible de verrouiller le dossier des données %1.</translation>
    </message>
    <message>
        <location filename="../app/storage/instanceguard.cpp" line="100"/>
        <location filename="../app/storage/instanceguard.cpp" line="105"/>
        <source>The running Causerie did not answer: %1</source>
        <translation>Le Causerie déjà ouvert n’a pas répondu : %1</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <location filename="../app/gui/main.cpp" line="66"/>
        <source>A chat client for local and remote language models</source>
        <translation>Un client de discussion pour modèles de langage locaux et distants</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="75"/>
        <source>Keep conversations and settings in &lt;dir&gt;.</source>
        <translation>Conserver les conversations et les réglages dans &lt;dir&gt;.</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="77"/>
        <source>Open the model &lt;file.gguf&gt;.</source>
        <translation>Ouvrir le modèle &lt;file.gguf&gt;.</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="79"/>
        <source>Interface language (en, fr).</source>
        <translation>Langue de l’interface (en, fr).</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="81"/>
        <source>Import the conversation &lt;file.json&gt; (as exported) and open it.</source>
        <translation>Importer la conversation &lt;file.json&gt; (telle qu’exportée) et l’ouvrir.</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="84"/>
        <source>Use the light or dark theme this time.</source>
        <translation>Utiliser le thème clair ou sombre cette fois-ci.</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="86"/>
        <source>Save a picture of the window to &lt;file.png&gt; and quit.</source>
        <translation>Enregistrer une image de la fenêtre dans &lt;file.png&gt; puis quitter.</translation>
    </message>
</context>
</TS>
