// The notes slice as the rest of the worker sees it: other slices import only from here.
export { noteWire, type Note } from './notes'
export { noteRoutes } from './routes'
export { authorOf, insertedNote, insertNoteStatement, listNotes } from './store'
