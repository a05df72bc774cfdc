<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
<context>
    <name>AppController</name>
    <message>
        <location filename="../app/controllers/appcontroller.cpp" line="264"/>
        <source>Cannot read %1: %2</source>
        <translation>Impossible de lire %1 : %2</translation>
    </message>
    <message>
        <location filename="../app/controllers/appcontroller.cpp" line="348"/>
        <source>Local · %1</source>
        <translation>Local · %1</translation>
    </message>
    <message>
        <location filename="../app/controllers/appcontroller.cpp" line="348"/>
        <source>Local · no model</source>
        <translation>Local · aucun modèle</translation>
    </message>
    <message>
        <location filename="../app/controllers/appcontroller.cpp" line="350"/>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <location filename="../app/controllers/appcontroller.cpp" line="350"/>
        <source>Remote</source>
        <translation>Distant</translation>
    </message>
    <message>
        <location filename="../app/controllers/appcontroller.cpp" line="351"/>
        <source>no model chosen</source>
        <translation>aucun modèle choisi</translation>
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
    <name>ChatController</name>
    <message>
        <location filename="../app/controllers/chatcontroller.cpp" line="86"/>
        <source>Wait for the answer to finish, or stop it, before sending.</source>
        <translation>Attendez la fin de la réponse, ou arrêtez-la, avant d’envoyer.</translation>
    </message>
    <message>
        <location filename="../app/controllers/chatcontroller.cpp" line="190"/>
        <source>No model is ready for this conversation. Open a local model or choose a remote endpoint in Settings.</source>
        <translation>Aucun modèle n’est prêt pour cette conversation. Ouvrez un modèle local ou choisissez un point d’accès distant dans les Réglages.</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <location filename="../ui/ChatView.qml" line="30"/>
        <source>Messages</source>
        <translation>Messages</translation>
    </message>
    <message>
        <location filename="../ui/ChatView.qml" line="58"/>
        <source>Causerie</source>
        <translation>Causerie</translation>
    </message>
    <message>
        <location filename="../ui/ChatView.qml" line="63"/>
        <source>Ask anything. Your conversations stay on this computer.</source>
        <translation>Demandez ce que vous voulez. Vos conversations restent sur cet ordinateur.</translation>
    </message>
    <message>
        <location filename="../ui/ChatView.qml" line="64"/>
        <source>Open a model file (.gguf) to start, or choose a remote endpoint.</source>
        <translation>Ouvrez un fichier de modèle (.gguf) pour commencer, ou choisissez un point d’accès distant.</translation>
    </message>
    <message>
        <location filename="../ui/ChatView.qml" line="65"/>
        <source>Choose a model for this endpoint above.</source>
        <translation>Choisissez un modèle pour ce point d’accès ci-dessus.</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <location filename="../ui/Composer.qml" line="43"/>
        <source>Editing a message: sending makes a new version (the old one stays). Esc cancels.</source>
        <translation>Modification d’un message : l’envoi crée une nouvelle version (l’ancienne est conservée). Échap annule.</translation>
    </message>
    <message>
        <location filename="../ui/Composer.qml" line="57"/>
        <source>Message (Enter to send, Shift+Enter for a new line)</source>
        <translation>Message (Entrée pour envoyer, Maj+Entrée pour aller à la ligne)</translation>
    </message>
    <message>
        <location filename="../ui/Composer.qml" line="58"/>
        <source>No model is ready yet</source>
        <translation>Aucun modèle n’est encore prêt</translation>
    </message>
    <message>
        <location filename="../ui/Composer.qml" line="61"/>
        <source>Message</source>
        <translation>Message</translation>
    </message>
    <message>
        <location filename="../ui/Composer.qml" line="81"/>
        <source>Stop</source>
        <translation>Arrêter</translation>
    </message>
    <message>
        <location filename="../ui/Composer.qml" line="81"/>
        <source>Send</source>
        <translation>Envoyer</translation>
    </message>
    <message>
        <location filename="../ui/Composer.qml" line="84"/>
        <source>Stop the answer</source>
        <translation>Arrêter la réponse</translation>
    </message>
    <message>
        <location filename="../ui/Composer.qml" line="84"/>
        <source>Send message</source>
        <translation>Envoyer le message</translation>
    </message>
    <message>
        <location filename="../ui/Composer.qml" line="91"/>
        <source>Context: %1 of %2 tokens</source>
        <translation>Contexte : %1 jetons sur %2</translation>
    </message>
</context>
<context>
    <name>ConversationDelegate</name>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="17"/>
        <location filename="../ui/ConversationDelegate.qml" line="24"/>
        <source>Untitled conversation</source>
        <translation>Conversation sans titre</translation>
    </message>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="32"/>
        <source>New title</source>
        <translation>Nouveau titre</translation>
    </message>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="39"/>
        <source>Conversation actions</source>
        <translation>Actions sur la conversation</translation>
    </message>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="52"/>
        <source>Rename</source>
        <translation>Renommer</translation>
    </message>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="56"/>
        <source>Unpin</source>
        <translation>Désépingler</translation>
    </message>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="56"/>
        <source>Pin</source>
        <translation>Épingler</translation>
    </message>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="60"/>
        <source>Copy as Markdown</source>
        <translation>Copier en Markdown</translation>
    </message>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="65"/>
        <source>Delete…</source>
        <translation>Supprimer…</translation>
    </message>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="75"/>
        <source>Delete this conversation?</source>
        <translation>Supprimer cette conversation ?</translation>
    </message>
    <message>
        <location filename="../ui/ConversationDelegate.qml" line="78"/>
        <source>“%1” will be deleted. You can undo this for a few seconds.</source>
        <translation>« %1 » sera supprimée. Vous pourrez annuler pendant quelques secondes.</translation>
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
</context>
<context>
    <name>EndpointStore</name>
    <message>
        <location filename="../app/backends/endpointstore.cpp" line="57"/>
        <source>&quot;%1&quot; is not a usable address: it must start with http:// or https:// and name a server.</source>
        <translation>« %1 » n’est pas une adresse utilisable : elle doit commencer par http:// ou https:// et nommer un serveur.</translation>
    </message>
</context>
<context>
    <name>EngineSettings</name>
    <message>
        <location filename="../ui/EngineSettings.qml" line="10"/>
        <source>Context size (0 = the model&apos;s, at most 4096)</source>
        <translation>Taille du contexte (0 = celle du modèle, 4096 au plus)</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="15"/>
        <source>Context size</source>
        <translation>Taille du contexte</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="18"/>
        <location filename="../ui/EngineSettings.qml" line="24"/>
        <source>Device</source>
        <translation>Matériel</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="20"/>
        <source>Automatic</source>
        <translation>Automatique</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="20"/>
        <source>CPU</source>
        <translation>Processeur</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="20"/>
        <source>NVIDIA GPU</source>
        <translation>Carte graphique NVIDIA</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="27"/>
        <source>GPU layers (-1 = as many as fit)</source>
        <translation>Couches sur la carte graphique (-1 = autant que possible)</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="32"/>
        <source>GPU layers</source>
        <translation>Couches sur la carte graphique</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="35"/>
        <source>CPU threads (0 = all cores)</source>
        <translation>Fils du processeur (0 = tous les cœurs)</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="40"/>
        <source>CPU threads</source>
        <translation>Fils du processeur</translation>
    </message>
    <message>
        <location filename="../ui/EngineSettings.qml" line="46"/>
        <source>These take effect the next time a model is opened.</source>
        <translation>Ces réglages s’appliquent à la prochaine ouverture d’un modèle.</translation>
    </message>
</context>
<context>
    <name>EngineWorker</name>
    <message>
        <location filename="../app/local/engineworker.cpp" line="148"/>
        <source>No local model is open. Open a model file (.gguf) first.</source>
        <translation>Aucun modèle local n’est ouvert. Ouvrez d’abord un fichier de modèle (.gguf).</translation>
    </message>
    <message>
        <location filename="../app/local/engineworker.cpp" line="163"/>
        <source>The conversation could not be prepared for the model.</source>
        <translation>La conversation n’a pas pu être préparée pour le modèle.</translation>
    </message>
    <message>
        <location filename="../app/local/engineworker.cpp" line="171"/>
        <source>This conversation needs %1 tokens but the model&apos;s context holds %2. Start a new conversation or raise the context size in Settings.</source>
        <translation>Cette conversation demande %1 jetons, mais le contexte du modèle en contient %2. Commencez une nouvelle conversation ou augmentez la taille du contexte dans les Réglages.</translation>
    </message>
    <message>
        <location filename="../app/local/engineworker.cpp" line="216"/>
        <source>The model stopped with an error.</source>
        <translation>Le modèle s’est arrêté sur une erreur.</translation>
    </message>
</context>
<context>
    <name>LocalBackend</name>
    <message>
        <location filename="../app/local/localbackend.cpp" line="97"/>
        <source>Local model</source>
        <translation>Modèle local</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <location filename="../ui/Main.qml" line="15"/>
        <source>Causerie</source>
        <translation>Causerie</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="15"/>
        <source>Causerie — %1</source>
        <translation>Causerie — %1</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="78"/>
        <source>Conversation deleted.</source>
        <translation>Conversation supprimée.</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="81"/>
        <source>Undo</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="83"/>
        <source>Undo delete</source>
        <translation>Annuler la suppression</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="95"/>
        <location filename="../ui/Main.qml" line="118"/>
        <source>Something went wrong</source>
        <translation>Un problème est survenu</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="113"/>
        <source>The model could not be opened</source>
        <translation>Le modèle n’a pas pu être ouvert</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="126"/>
        <source>Your conversations could not be opened</source>
        <translation>Vos conversations n’ont pas pu être ouvertes</translation>
    </message>
</context>
<context>
    <name>MessageDelegate</name>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="30"/>
        <location filename="../ui/MessageDelegate.qml" line="42"/>
        <source>You</source>
        <translation>Vous</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="30"/>
        <location filename="../ui/MessageDelegate.qml" line="42"/>
        <source>Assistant</source>
        <translation>Assistant</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="58"/>
        <source>Message text</source>
        <translation>Texte du message</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="84"/>
        <source>This answer was interrupted when Causerie closed.</source>
        <translation>Cette réponse a été interrompue à la fermeture de Causerie.</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="85"/>
        <source>Stopped.</source>
        <translation>Arrêtée.</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="96"/>
        <source>Previous version</source>
        <translation>Version précédente</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="101"/>
        <source>%1/%2</source>
        <translation>%1/%2</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="107"/>
        <source>Next version</source>
        <translation>Version suivante</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="111"/>
        <source>Copy</source>
        <translation>Copier</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="112"/>
        <source>Copy message</source>
        <translation>Copier le message</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="117"/>
        <source>Edit</source>
        <translation>Modifier</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="119"/>
        <source>Edit message</source>
        <translation>Modifier le message</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="124"/>
        <source>Regenerate</source>
        <translation>Régénérer</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="126"/>
        <source>Regenerate answer</source>
        <translation>Régénérer la réponse</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="131"/>
        <source>Details</source>
        <translation>Détails</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="132"/>
        <source>Answer details</source>
        <translation>Détails de la réponse</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="144"/>
        <source>Model</source>
        <translation>Modèle</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="146"/>
        <source>Backend</source>
        <translation>Moteur</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="148"/>
        <source>Prompt tokens</source>
        <translation>Jetons de la requête</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="150"/>
        <source>Answer tokens</source>
        <translation>Jetons de la réponse</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="152"/>
        <source>Time to first token</source>
        <translation>Délai du premier jeton</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="153"/>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="154"/>
        <source>Speed</source>
        <translation>Vitesse</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="155"/>
        <source>%1 tokens/s</source>
        <translation>%1 jetons/s</translation>
    </message>
    <message>
        <location filename="../ui/MessageDelegate.qml" line="156"/>
        <source>Finish reason</source>
        <translation>Raison de fin</translation>
    </message>
</context>
<context>
    <name>MessageSegment</name>
    <message>
        <location filename="../ui/MessageSegment.qml" line="27"/>
        <source>Message text</source>
        <translation>Texte du message</translation>
    </message>
    <message>
        <location filename="../ui/MessageSegment.qml" line="50"/>
        <source>code</source>
        <translation>code</translation>
    </message>
    <message>
        <location filename="../ui/MessageSegment.qml" line="56"/>
        <location filename="../ui/MessageSegment.qml" line="58"/>
        <source>Copy code</source>
        <translation>Copier le code</translation>
    </message>
    <message>
        <location filename="../ui/MessageSegment.qml" line="73"/>
        <source>Code</source>
        <translation>Code</translation>
    </message>
</context>
<context>
    <name>ModelDialog</name>
    <message>
        <location filename="../ui/ModelDialog.qml" line="20"/>
        <source>Local model</source>
        <translation>Modèle local</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="25"/>
        <source>Open a model</source>
        <translation>Ouvrir un modèle</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="26"/>
        <source>GGUF models (*.gguf)</source>
        <translation>Modèles GGUF (*.gguf)</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="26"/>
        <source>All files (*)</source>
        <translation>Tous les fichiers (*)</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="35"/>
        <source>Open model…</source>
        <translation>Ouvrir un modèle…</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="36"/>
        <source>Open model file</source>
        <translation>Ouvrir un fichier de modèle</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="44"/>
        <source>Loading the model</source>
        <translation>Chargement du modèle</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="59"/>
        <source>Name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="61"/>
        <source>Architecture</source>
        <translation>Architecture</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="63"/>
        <source>Parameters</source>
        <translation>Paramètres</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="65"/>
        <source>Quantization</source>
        <translation>Quantification</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="67"/>
        <source>File size</source>
        <translation>Taille du fichier</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="69"/>
        <source>Context</source>
        <translation>Contexte</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="70"/>
        <source>%1 tokens (trained for %2)</source>
        <translation>%1 jetons (entraîné pour %2)</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="71"/>
        <source>Chat format</source>
        <translation>Format de discussion</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="73"/>
        <source>Device</source>
        <translation>Matériel</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="87"/>
        <source>Recent models</source>
        <translation>Modèles récents</translation>
    </message>
    <message>
        <location filename="../ui/ModelDialog.qml" line="96"/>
        <source>Open %1</source>
        <translation>Ouvrir %1</translation>
    </message>
</context>
<context>
    <name>RemoteBackend</name>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="119"/>
        <source>The endpoint address &quot;%1&quot; is not usable: it must start with http:// or https:// and name a server.</source>
        <translation>L’adresse du point d’accès « %1 » n’est pas utilisable : elle doit commencer par http:// ou https:// et nommer un serveur.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="122"/>
        <source>No model is chosen for this remote endpoint.</source>
        <translation>Aucun modèle n’est choisi pour ce point d’accès distant.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="235"/>
        <source>The server at %1 sent nothing for %2 seconds, so the request was stopped. Try again; if it keeps happening the server may be overloaded.</source>
        <translation>Le serveur %1 n’a rien envoyé pendant %2 secondes : la requête a été arrêtée. Réessayez ; si cela se répète, le serveur est peut-être surchargé.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="263"/>
        <source>The server&apos;s answer is too large to be read.</source>
        <translation>La réponse du serveur est trop grande pour être lue.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="290"/>
        <source>The server sent an event too large to be read.</source>
        <translation>Le serveur a envoyé un événement trop grand pour être lu.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="323"/>
        <source>The server sent a part of the answer Causerie could not read; the answer is incomplete.</source>
        <translation>Le serveur a envoyé une partie de la réponse que Causerie n’a pas pu lire ; la réponse est incomplète.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="328"/>
        <source>The server reported an error in the middle of the answer; the answer is incomplete.</source>
        <translation>Le serveur a signalé une erreur au milieu de la réponse ; la réponse est incomplète.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="342"/>
        <source>The model stopped with an error on the server; the answer is incomplete.</source>
        <translation>Le modèle s’est arrêté sur une erreur côté serveur ; la réponse est incomplète.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="379"/>
        <source>The server at %1 did not answer like a chat API. Check the base URL of the endpoint.</source>
        <translation>Le serveur %1 n’a pas répondu comme une API de discussion. Vérifiez l’URL de base du point d’accès.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="385"/>
        <source>The connection closed before the answer was complete.</source>
        <translation>La connexion s’est fermée avant la fin de la réponse.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="386"/>
        <source>The server closed the connection without sending an answer.</source>
        <translation>Le serveur a fermé la connexion sans envoyer de réponse.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="406"/>
        <source>The server asks to wait %1 seconds before trying again.</source>
        <translation>Le serveur demande d’attendre %1 secondes avant de réessayer.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="428"/>
        <source>The server&apos;s model list could not be read.</source>
        <translation>La liste des modèles du serveur n’a pas pu être lue.</translation>
    </message>
    <message>
        <location filename="../app/backends/remotebackend.cpp" line="440"/>
        <source>The server&apos;s answer could not be read.</source>
        <translation>La réponse du serveur n’a pas pu être lue.</translation>
    </message>
</context>
<context>
    <name>RemoteErrors</name>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="17"/>
        <source>Server says: %1</source>
        <translation>Le serveur indique : %1</translation>
    </message>
    <message numerus="yes">
        <location filename="../app/backends/remoteerrors.cpp" line="22"/>
        <source>(Tried %n times.)</source>
        <translation>
            <numerusform>(%n essai.)</numerusform>
            <numerusform>(%n essais.)</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="51"/>
        <source>The server rejected the request.</source>
        <translation>Le serveur a rejeté la requête.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="55"/>
        <source>The API key was refused. Check the key saved for this endpoint in Settings.</source>
        <translation>La clé d’API a été refusée. Vérifiez la clé enregistrée pour ce point d’accès dans les Réglages.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="59"/>
        <source>This account cannot be billed for the request (no credit or no active plan). Check billing in your provider&apos;s console.</source>
        <translation>Ce compte ne peut pas être facturé pour la requête (pas de crédit ou pas d’abonnement actif). Vérifiez la facturation dans la console de votre fournisseur.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="64"/>
        <source>This API key is not allowed to use model &quot;%1&quot; on this endpoint.</source>
        <translation>Cette clé d’API n’est pas autorisée à utiliser le modèle « %1 » sur ce point d’accès.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="69"/>
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
        <location filename="../app/backends/remoteerrors.cpp" line="84"/>
        <source>The server had a problem (HTTP %1). Try again later.</source>
        <translation>Le serveur a rencontré un problème (HTTP %1). Réessayez plus tard.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="88"/>
        <source>The server answered with unexpected HTTP status %1.</source>
        <translation>Le serveur a répondu avec un statut HTTP inattendu : %1.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="101"/>
        <source>Could not connect to %1: the connection was refused. Is the server running, and is the port right?</source>
        <translation>Connexion impossible à %1 : la connexion a été refusée. Le serveur est-il démarré, et le port est-il le bon ?</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="105"/>
        <source>Could not find the server &quot;%1&quot;. Check the address and your internet connection.</source>
        <translation>Serveur « %1 » introuvable. Vérifiez l’adresse et votre connexion à Internet.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="111"/>
        <source>The secure connection to %1 could not be established or its certificate could not be verified, so nothing was sent.</source>
        <translation>La connexion sécurisée à %1 n’a pas pu être établie ou son certificat n’a pas pu être vérifié : rien n’a été envoyé.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="116"/>
        <source>The server closed the connection before the answer was complete.</source>
        <translation>Le serveur a fermé la connexion avant la fin de la réponse.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="118"/>
        <source>The server at %1 stopped responding.</source>
        <translation>Le serveur %1 ne répond plus.</translation>
    </message>
    <message>
        <location filename="../app/backends/remoteerrors.cpp" line="122"/>
        <source>Network error while talking to %1.</source>
        <translation>Erreur réseau lors de l’échange avec %1.</translation>
    </message>
</context>
<context>
    <name>RemoteSettings</name>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="17"/>
        <source>No system keychain is available: keys are kept in memory until Causerie quits, never on disk.</source>
        <translation>Aucun trousseau système n’est disponible : les clés restent en mémoire jusqu’à la fermeture de Causerie, jamais sur le disque.</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="27"/>
        <source>Endpoints</source>
        <translation>Points d’accès</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="45"/>
        <source>Name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="49"/>
        <source>Mistral AI</source>
        <translation>Mistral AI</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="50"/>
        <source>Endpoint name</source>
        <translation>Nom du point d’accès</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="52"/>
        <location filename="../ui/RemoteSettings.qml" line="57"/>
        <source>Base URL</source>
        <translation>URL de base</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="59"/>
        <location filename="../ui/RemoteSettings.qml" line="65"/>
        <source>API key</source>
        <translation>Clé d’API</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="64"/>
        <source>Unchanged</source>
        <translation>Inchangée</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="64"/>
        <source>Key (kept in the system keychain)</source>
        <translation>Clé (conservée dans le trousseau système)</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="71"/>
        <source>Save</source>
        <translation>Enregistrer</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="71"/>
        <source>Add endpoint</source>
        <translation>Ajouter le point d’accès</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="83"/>
        <source>New</source>
        <translation>Nouveau</translation>
    </message>
    <message>
        <location filename="../ui/RemoteSettings.qml" line="87"/>
        <source>Remove</source>
        <translation>Retirer</translation>
    </message>
</context>
<context>
    <name>SamplingSettings</name>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="14"/>
        <location filename="../ui/SamplingSettings.qml" line="21"/>
        <source>Temperature</source>
        <translation>Température</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="24"/>
        <location filename="../ui/SamplingSettings.qml" line="31"/>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="34"/>
        <source>Top-k (0 = off)</source>
        <translation>Top-k (0 = désactivé)</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="39"/>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="42"/>
        <location filename="../ui/SamplingSettings.qml" line="49"/>
        <source>Min-p</source>
        <translation>Min-p</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="52"/>
        <location filename="../ui/SamplingSettings.qml" line="59"/>
        <source>Repetition penalty</source>
        <translation>Pénalité de répétition</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="62"/>
        <source>Maximum answer length (0 = no limit)</source>
        <translation>Longueur maximale de la réponse (0 = sans limite)</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="67"/>
        <source>Maximum answer length</source>
        <translation>Longueur maximale de la réponse</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="70"/>
        <source>Seed (-1 = random)</source>
        <translation>Graine (-1 = aléatoire)</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="75"/>
        <source>Seed</source>
        <translation>Graine</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="79"/>
        <location filename="../ui/SamplingSettings.qml" line="88"/>
        <source>Default system prompt</source>
        <translation>Consigne système par défaut</translation>
    </message>
    <message>
        <location filename="../ui/SamplingSettings.qml" line="87"/>
        <source>Instructions given to the model before every conversation</source>
        <translation>Instructions données au modèle avant chaque conversation</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../ui/SettingsDialog.qml" line="17"/>
        <source>Settings</source>
        <translation>Réglages</translation>
    </message>
    <message>
        <location filename="../ui/SettingsDialog.qml" line="26"/>
        <source>Answers</source>
        <translation>Réponses</translation>
    </message>
    <message>
        <location filename="../ui/SettingsDialog.qml" line="27"/>
        <source>Engine</source>
        <translation>Moteur</translation>
    </message>
    <message>
        <location filename="../ui/SettingsDialog.qml" line="28"/>
        <source>Remote</source>
        <translation>Distant</translation>
    </message>
    <message>
        <location filename="../ui/SettingsDialog.qml" line="29"/>
        <source>Appearance</source>
        <translation>Apparence</translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <location filename="../ui/Sidebar.qml" line="26"/>
        <location filename="../ui/Sidebar.qml" line="28"/>
        <source>New chat</source>
        <translation>Nouvelle discussion</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="35"/>
        <source>Search conversations (Ctrl+K)</source>
        <translation>Rechercher dans les conversations (Ctrl+K)</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="36"/>
        <source>Search conversations</source>
        <translation>Rechercher dans les conversations</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="54"/>
        <source>Conversations</source>
        <translation>Conversations</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="76"/>
        <source>No conversations yet.</source>
        <translation>Pas encore de conversation.</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="88"/>
        <source>Search results</source>
        <translation>Résultats de la recherche</translation>
    </message>
    <message>
        <location filename="../ui/Sidebar.qml" line="120"/>
        <source>Nothing found.</source>
        <translation>Aucun résultat.</translation>
    </message>
</context>
<context>
    <name>StatusLine</name>
    <message>
        <location filename="../ui/StatusLine.qml" line="33"/>
        <source>Last answer: %1 tokens/s</source>
        <translation>Dernière réponse : %1 jetons/s</translation>
    </message>
</context>
<context>
    <name>TopBar</name>
    <message>
        <location filename="../ui/TopBar.qml" line="17"/>
        <location filename="../ui/TopBar.qml" line="65"/>
        <source>Local model</source>
        <translation>Modèle local</translation>
    </message>
    <message>
        <location filename="../ui/TopBar.qml" line="35"/>
        <source>Backend for this conversation</source>
        <translation>Moteur de cette conversation</translation>
    </message>
    <message>
        <location filename="../ui/TopBar.qml" line="51"/>
        <source>Remote model</source>
        <translation>Modèle distant</translation>
    </message>
    <message>
        <location filename="../ui/TopBar.qml" line="62"/>
        <source>Loading model…</source>
        <translation>Chargement du modèle…</translation>
    </message>
    <message>
        <location filename="../ui/TopBar.qml" line="64"/>
        <source>Open model…</source>
        <translation>Ouvrir un modèle…</translation>
    </message>
    <message>
        <location filename="../ui/TopBar.qml" line="81"/>
        <source>Settings</source>
        <translation>Réglages</translation>
    </message>
    <message>
        <location filename="../ui/TopBar.qml" line="83"/>
        <source>Settings (Ctrl+,)</source>
        <translation>Réglages (Ctrl+,)</translation>
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
        <location filename="../app/storage/instanceguard.cpp" line="67"/>
        <source>Cannot lock the data folder %1.</source>
        <translation>Impossible de verrouiller le dossier des données %1.</translation>
    </message>
    <message>
        <location filename="../app/storage/instanceguard.cpp" line="103"/>
        <location filename="../app/storage/instanceguard.cpp" line="108"/>
        <source>The running Causerie did not answer: %1</source>
        <translation>Le Causerie déjà ouvert n’a pas répondu : %1</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <location filename="../app/gui/main.cpp" line="60"/>
        <source>A chat client for local and remote language models</source>
        <translation>Un client de discussion pour modèles de langage locaux et distants</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="64"/>
        <source>Keep conversations and settings in &lt;dir&gt;.</source>
        <translation>Conserver les conversations et les réglages dans &lt;dir&gt;.</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="67"/>
        <source>Open the model &lt;file.gguf&gt;.</source>
        <translation>Ouvrir le modèle &lt;file.gguf&gt;.</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="70"/>
        <source>Interface language (en, fr).</source>
        <translation>Langue de l’interface (en, fr).</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="73"/>
        <source>Import the conversation &lt;file.json&gt; (as exported) and open it.</source>
        <translation>Importer la conversation &lt;file.json&gt; (telle qu’exportée) et l’ouvrir.</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="76"/>
        <source>Use the light or dark theme this time.</source>
        <translation>Utiliser le thème clair ou sombre cette fois-ci.</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="79"/>
        <source>Save a picture of the window to &lt;file.png&gt; and quit.</source>
        <translation>Enregistrer une image de la fenêtre dans &lt;file.png&gt; puis quitter.</translation>
    </message>
</context>
</TS>
